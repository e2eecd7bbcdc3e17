package matrix_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/authorization.md from the matrix")

const docPath = "../../../docs/authorization.md"

// TestAuthorizationDoc fails when docs/authorization.md is not the matrix
// as the table states it; -update rewrites it.
func TestAuthorizationDoc(t *testing.T) {
	doc := render(table(schema()))
	if *update {
		if err := os.MkdirAll("../../../docs", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	committed, err := os.ReadFile(docPath)
	if err != nil || string(committed) != doc {
		t.Fatalf("docs/authorization.md is not the matrix of internal/authz/matrix: run\n\tgo test ./internal/authz/matrix -run TestAuthorizationDoc -update")
	}
}

// decisions are the cells where the contract is silent or ambiguous, and
// what the matrix expects there (a security reviewer's choice).
var decisions = []string{
	"**Every write needs scope `modify`**, whoever holds the credential: a first-party key narrowed to `identity` changes no user (itself or another), bans nobody and revokes nothing of others. Deleting one's own account needs a consented credential and, for an application, `users:write` (the contract), and for a first-party credential scope `modify` too (the implemented rule, `policy.DeleteSelf`): a key narrowed to `identity` does not destroy the account it reads.",
	"**Banning by an application token** meets the rule \"all of\" (verified, `users:write`, consented, scope `modify`, administrator): banning changes another user. The contract's ban row lists only consent, verification and administrator.",
	"**Legacy shapes that cannot hide a field** refuse (403) a credential lacking its scope rather than show it: education platform `POST /oauth`, `user_files` and upload carry e-mail and names (need `email` and `personal`), users-v1 `GET`/`PUT /v1/users/{id}` (e-mail, name), Maarch `GET /rest/users` (login and names). Edu-Focus leaves such keys out instead, as its document says.",
	"**users-v1 follows authorization.md** where `users-v1.md` says \"an admin\": a manager (`manage_users`) may read, create, change and delete plain users there too, never an administrator.",
	"**Another user's files and signatures** are visible to whoever manages that user: first-party with `manage_users`, or an application token meeting \"all of\" (minus the scope `modify` for reading); **an administrator's only to an administrator** (a manager may not act on an administrator, so it sees nothing it owns: a signature image is what a forger wants). Filters on them over every listed user (`hasFiles`, `hasFilesWith`, `hasSignatures`, `hasSignaturesWith`) cover the administrators' too, so they need an administrator who manages users, and the scope `files` or `signatures`. **A filter needs exactly the right to read what it filters on**: `hasAvatar` and `hasAvatarWith.*` are allowed to whoever may read `User.avatar`, i.e. whoever may list users (field and filter ask the same `policy.ReadAvatar`); `not`, `and`, `or` and `hasOwnerWith` are tested with a condition on the e-mail inside them, so they need what that condition needs.",
	"**Fields of another user** follow the scopes (`email` shows `email` and `login`, `personal` the names); `files` and `signatures` of a user the viewer may read but not manage (an unconsented or unverified application's token included) are `null` with FORBIDDEN, never NOT_FOUND: NOT_FOUND is for an object fetched by id that the viewer may not see, FORBIDDEN for a missing scope or permission on something it sees (the user is visible, so the field is hidden like an e-mail without scope `email`); `avatar` shows to whoever may read the user.",
	"**Nobody reads another user's credentials**, administrators included (`node`/`nodes` on one is NOT_FOUND, and no connection or filter lists them); only the owner's first-party credential sees its own. Revoking them by id follows \"create, update, delete\" (first-party manager, or an application token meeting \"all of\"; an administrator's credentials are NOT_FOUND to anyone but an administrator, and another user's to a credential without scope `modify`: it may not revoke them and reads none, so FORBIDDEN would tell which credential ids exist); an application alone is refused (FORBIDDEN) before any lookup.",
	"**Checks before lookups** (refusals are uniform): where a rule can be decided without the target (a missing scope, such as `modify` for `updateUser`, `deleteUser` and users-v1 `PUT`/`DELETE`, or a field's scope for users-v1 `GET`/`PUT`; Edu-Focus `GET /users/{id}` without `users:read`/`manage_users`; `banUser`/`unbanUser` and Edu-Focus ban without being an administrator; setting another user's signatures without the right to change them), the answer is 403/FORBIDDEN for every id, existing, missing or malformed, byte for byte alike apart from the id: a FORBIDDEN for an existing id beside a NOT_FOUND for a missing one would tell which ids exist. Only a viewer who may read the target (and so knows it exists) is told FORBIDDEN about it after the lookup, e.g. a manager about an administrator. Global ids are accepted only as the service writes them (`ub:0798` or `ub:+798` for user 798 is BAD_USER_INPUT), so one object has one id. `node`/`nodes` cannot know the type before the lookup and answer NOT_FOUND; in `nodes`, a hidden id and a missing id are both a `null` entry with its own NOT_FOUND error at its index, byte for byte alike apart from the id.",
	"**API keys**: `createApiKey` asking for a scope the minting credential lacks is FORBIDDEN (`missing_scope`); an unknown scope name is BAD_USER_INPUT. A key never outlives the credential minting it unless the request gives the account's current password (a fresh sign-in), and never lives longer than `MAX_API_KEY_TTL`.",
	"**`GET /graphql/schema.graphql`** (the schema as SDL) is public, like the playground, and mounted only while introspection is on: it is the text introspection already gives anyone.",
	"**An application alone** acting on \"its own account\" (Edu-Focus `@current`, `updateViewer`, uploads, API keys) is FORBIDDEN: it has no account. `viewer` answers `null` for it, as the schema documents.",
	"**Download links** of a banned user's file answer 404, like a deleted file's (the file is gone for the world); an expired link answers 403 as the education platform documents.",
	"**login** with a wrong password answers UNAUTHENTICATED whatever the Authorization header of the request; a banned or suspended account gets that same answer with the right password too (`account_banned` after the right password only would confirm a guess).",
	"**OpenID Connect's userinfo** (`/oauth/userinfo`) answers only an access token the OAuth code flow issued with the scope `openid`: a first-party token or API key, or an application token minted outside the flow, is not an OAuth grant and gets 401 `invalid_token`, a grant without `openid` 403 `insufficient_scope`. No column holds such a grant, so every column is refused; the allowed answer is tested in `internal/oauth`. The matrix runs with `SECRET_KEY` set, so OpenID Connect's routes are mounted and covered.",
	"**The account page** (`/account`, `/oauth/account/...`) reads only the screens' session cookie, never an API credential: every column gets the answer of a request without a session: its forms refuse a missing CSRF token with 403, and with the screen's CSRF token but no session the password and revoke forms send to the sign-in screen (303), a wrong password is 401 and signing out ends only the screens' cookie, whatever Authorization header comes beside.",
	"**A ban ends the user's credentials for good**: it revokes them all in its transaction (the `banned` column's tokens fail before and after an unban), so an unban gives back the account, not the tokens minted before the ban.",
}

func render(rows []row) string {
	var b strings.Builder
	cells := 0
	lines := 0
	for _, r := range rows {
		if r.expect != nil {
			cells += len(columns)
			lines++
		}
	}
	fmt.Fprintf(&b, "# Authorization matrix\n\n")
	fmt.Fprintf(&b, "Generated from the table of `internal/authz/matrix` (do not edit by hand):\n"+
		"`go test ./internal/authz/matrix -run TestAuthorizationDoc -update` rewrites it, and the test fails\n"+
		"when this file and the table differ. `go test ./internal/authz/matrix` checks every cell through real\n"+
		"HTTP requests against the real router, on SQLite and, with `TEST_POSTGRES_URL`, on PostgreSQL;\n"+
		"`TestMatrixCoversRouterAndSchema` fails when the router (`chi.Walk`) or the GraphQL schema offers a\n"+
		"route, operation, filter or order field this table does not list, or the table lists one that is gone.\n\n")
	fmt.Fprintf(&b, "Each cell is derived from the contract's authorization model (`authorization.md`), not from\n"+
		"what the code happens to do; where the contract is silent, the decisions below say what is expected.\n\n")
	fmt.Fprintf(&b, "Size: %d rows × %d viewers = %d cells (every filter predicate counted; the filter tables below\n"+
		"group the predicates of one field, which share their rule).\n\n", lines, len(columns), cells)

	fmt.Fprintf(&b, "## Viewers (columns)\n\nEach column has its own viewer and its own user B in every test database.\n\n| column | viewer |\n| --- | --- |\n")
	for _, c := range columns {
		fmt.Fprintf(&b, "| `%s` | %s |\n", c.key, c.title)
	}
	fmt.Fprintf(&b, "\n## Reading a cell\n\n"+
		"* REST: the HTTP status the dialect answers: success (200, 201, 204, 302), 401 unauthenticated,\n"+
		"  403 forbidden, 404 not found (Maarch spells an unknown user 400 `User does not exist`).\n"+
		"* GraphQL: `ok`, or the error's `extensions.code`: `UNAUTH` (UNAUTHENTICATED), `FORBIDDEN`, `NOT_FOUND`.\n"+
		"  A field the scopes hide is `null` with FORBIDDEN inside an `ok` answer.\n"+
		"* `public`: no authorization; the same answer for everyone.\n\n"+
		"Besides the outcome, every cell checks that:\n\n"+
		"* a refused answer shows none of B's private values (e-mail, login, username, names, file name, file\n"+
		"  hash, signature application), and an allowed one none that its scopes hide (e-mail and login need\n"+
		"  `email`, names need `personal`), of B or of the viewer;\n"+
		"* a refused request changed nothing: users, files, signatures and credentials are the same before and after;\n"+
		"* a not-found answer, and a forbidden one to a viewer who may not read other users, is the answer for an id that does not exist, byte for byte apart from the id;\n"+
		"* an answer carrying personal data has `Cache-Control: no-store`;\n"+
		"* ordering: no cursor carries an e-mail, login or name, in clear or in base64;\n"+
		"* an API key is minted with at most the scopes of the credential minting it.\n\n")
	fmt.Fprintf(&b, "## Decisions where the contract is silent or ambiguous\n\n")
	for _, d := range decisions {
		fmt.Fprintf(&b, "* %s\n", d)
	}
	header := func(first string, extra string) {
		fmt.Fprintf(&b, "| %s |", first)
		for _, c := range columns {
			fmt.Fprintf(&b, " %s |", c.key)
		}
		if extra != "" {
			fmt.Fprintf(&b, " %s |", extra)
		}
		fmt.Fprintf(&b, "\n| --- |")
		for range columns {
			fmt.Fprintf(&b, " --- |")
		}
		if extra != "" {
			fmt.Fprintf(&b, " --- |")
		}
		fmt.Fprintf(&b, "\n")
	}
	cellsOf := func(r row) string {
		var s []string
		for _, c := range columns {
			s = append(s, r.spell(r.expect(c)))
		}
		return strings.Join(s, " | ")
	}
	section := ""
	var notes []string
	flushNotes := func() {
		for _, n := range notes {
			fmt.Fprintf(&b, "\n%s\n", n)
		}
		notes = nil
	}
	for i := 0; i < len(rows); i++ {
		r := rows[i]
		if r.section != section {
			flushNotes()
			section = r.section
			fmt.Fprintf(&b, "\n## %s\n\n", section)
			switch {
			case r.group != "" && strings.HasPrefix(section, "GraphQL users(where"):
				fmt.Fprintf(&b, "`users(first: 3, where: {…})`, one request per predicate, with a value of its type\n"+
					"(nested inputs hold a condition on the e-mail, a file name or a signature application).\n\n")
				header("field", "predicates")
			case r.group != "":
				fmt.Fprintf(&b, "`users(first: 50, orderBy: {field: …, direction: ASC})`.\n\n")
				header("field", "")
			case strings.HasPrefix(section, "GraphQL fields"):
				fmt.Fprintf(&b, "`user(id: B) { field }`: the field's value, or its error.\n\n")
				header("field", "dialect")
			default:
				header("route or operation", "dialect")
			}
		}
		switch {
		case r.group != "":
			var preds []string
			j := i
			for ; j < len(rows) && rows[j].group == r.group && rows[j].section == r.section; j++ {
				k := strings.TrimPrefix(rows[j].covers, "where ")
				preds = append(preds, "`"+k[strings.LastIndex(k, ".")+1:]+"`")
			}
			i = j - 1
			if strings.HasPrefix(section, "GraphQL users(where") {
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.group, cellsOf(r), strings.Join(preds, " "))
			} else {
				fmt.Fprintf(&b, "| `%s` | %s |\n", r.group, cellsOf(r))
			}
		case r.expect == nil:
			fmt.Fprintf(&b, "| `%s` |%s %s |\n", r.name, strings.Repeat(" → |", len(columns)), r.note)
		default:
			name := "`" + r.name + "`"
			if r.note != "" {
				notes = append(notes, fmt.Sprintf("`%s`: %s.", r.name, r.note))
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", name, cellsOf(r), r.dialect)
		}
	}
	flushNotes()
	return b.String()
}
