package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/policy"
	"userbridge/internal/rules/signatures"
	"userbridge/internal/store/db/dbtest"
)

// TestHiddenAndMissingIDsAnswerAlike: through the real HTTP handler,
// node, nodes and user answer an object the viewer may not see (another
// user, their file, signature, credential) byte for byte as an id that
// does not exist, apart from the id; and no answer shows an internal id.
func TestHiddenAndMissingIDsAnswerAlike(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		ctx := context.Background()
		alice := env.User(t, "alice@example.com")
		bob := env.User(t, "bob@example.com")
		bobViewer := &auth.Viewer{User: bob, Scopes: auth.AllScopes, Consented: true}
		f, err := env.Files.UploadUserFile(ctx, bobViewer, bob.ID,
			files.Upload{Name: "plan.txt", Body: strings.NewReader("x")}, files.UserFileInput{})
		if err != nil {
			t.Fatal(err)
		}
		sigs, err := env.Signatures.ReplaceExternal(ctx, bobViewer, bob.ID, "app",
			[]signatures.Input{{Format: "png", Encoded: base64.StdEncoding.EncodeToString(tinyPNG(t))}})
		if err != nil {
			t.Fatal(err)
		}
		_, cred, err := env.Accounts.Issue(ctx, accounts.IssueInput{UserEmail: bob.Email})
		if err != nil {
			t.Fatal(err)
		}
		app, _ := env.Application(t, "reader", true, policy.PermUsersRead)
		viewers := map[string]string{
			"user A":                         env.Token(t, alice),
			"application with users:read":    env.Issue(t, accounts.IssueInput{UserEmail: alice.Email, AppID: app.ClientID, Scopes: auth.AllScopes, Consent: true}),
			"application token scoped files": env.Issue(t, accounts.IssueInput{UserEmail: alice.Email, AppID: app.ClientID, Scopes: []string{auth.ScopeFiles}, Consent: true}),
		}
		// Hidden objects of B, each with a missing id of the same type.
		hidden := map[string][2]int{
			"B's file":         {f.ID, f.ID + 100_000},
			"B's signature":    {sigs[0].ID, sigs[0].ID + 100_000},
			"B's credential":   {cred.ID, cred.ID + 100_000},
			"an id of no type": {1 << 44, 1<<44 + 1},
		}
		usersHidden := map[string][2]int{"user B": {bob.ID, bob.ID + 100_000}, "B's file as a user": {f.ID, bob.ID + 100_000}}

		post := func(t *testing.T, tok, query string, ids ...int) string {
			t.Helper()
			gids := make([]any, len(ids))
			for i, id := range ids {
				gids[i] = gidOf(id)
			}
			vars := map[string]any{"id": gids[0]}
			if len(ids) > 1 {
				vars = map[string]any{"ids": gids}
			}
			rec := env.Do(apptest.Request("POST", "/graphql", tok, map[string]any{"query": query, "variables": vars}))
			body := rec.Body.String()
			var res apptest.GraphQLResponse
			_ = json.Unmarshal(rec.Body.Bytes(), &res)
			for i, id := range ids {
				for _, e := range res.Errors {
					if ext, _ := json.Marshal(e.Extensions); strings.Contains(e.Message+string(ext), strconv.Itoa(id)) {
						t.Fatalf("the answer shows internal id %d: %s", id, body)
					}
				}
				body = strings.ReplaceAll(body, gidOf(id), "ID"+strconv.Itoa(i%2))
			}
			if !strings.Contains(body, `"NOT_FOUND"`) {
				t.Fatalf("not NOT_FOUND: %s", body)
			}
			return strconv.Itoa(rec.Code) + " " + withoutCost(body)
		}
		const nodeQ = `query($id: ID!) { node(id: $id) { id } }`
		const userQ = `query($id: ID!) { user(id: $id) { id publicID } }`
		const nodesQ = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`

		for vname, tok := range viewers {
			cases := map[string][2]int{}
			for k, v := range hidden {
				cases[k] = v
			}
			if vname == "user A" || vname == "application token scoped files" {
				cases["user B"] = usersHidden["user B"]
			}
			for what, ids := range cases {
				t.Run(vname+" on "+what+": node", func(t *testing.T) {
					if a, b := post(t, tok, nodeQ, ids[0]), post(t, tok, nodeQ, ids[1]); a != b {
						t.Fatalf("hidden:  %s\nmissing: %s", a, b)
					}
				})
			}
			t.Run(vname+": nodes, every hidden entry as a missing one", func(t *testing.T) {
				var all []int
				for _, ids := range cases {
					all = append(all, ids[0], ids[1])
				}
				body := post(t, tok, nodesQ, all...)
				var res apptest.GraphQLResponse
				if err := json.Unmarshal([]byte(strings.SplitN(body, " ", 2)[1]), &res); err != nil {
					t.Fatal(err)
				}
				if len(res.Errors) != len(all) {
					t.Fatalf("%d errors for %d ids: %s", len(res.Errors), len(all), body)
				}
				first, _ := json.Marshal(res.Errors[0].Extensions)
				for i, e := range res.Errors {
					ext, _ := json.Marshal(e.Extensions)
					if e.Message != res.Errors[0].Message || string(ext) != string(first) || len(e.Path) != 2 || e.Path[1] != float64(i) {
						t.Fatalf("error %d differs: %+v vs %+v", i, e, res.Errors[0])
					}
				}
			})
		}
		t.Run("an administrator on B's credential: node, as a missing id", func(t *testing.T) {
			admin := env.Token(t, env.Admin(t, "boss@example.com"))
			if a, b := post(t, admin, nodeQ, cred.ID), post(t, admin, nodeQ, cred.ID+100_000); a != b {
				t.Fatalf("hidden:  %s\nmissing: %s", a, b)
			}
		})
		t.Run("user A: nodes of one hidden id, as of one missing id", func(t *testing.T) {
			one := func(id int) string {
				rec := env.Do(apptest.Request("POST", "/graphql", viewers["user A"],
					map[string]any{"query": nodesQ, "variables": map[string]any{"ids": []string{gidOf(id)}}}))
				return strconv.Itoa(rec.Code) + " " + withoutCost(strings.ReplaceAll(rec.Body.String(), gidOf(id), "ID"))
			}
			a, b := one(bob.ID), one(bob.ID+100_000)
			if a != b || !strings.Contains(a, `"path":["nodes",0]`) {
				t.Fatalf("hidden:  %s\nmissing: %s", a, b)
			}
		})
		for what, ids := range usersHidden {
			t.Run("user A on "+what+": user", func(t *testing.T) {
				tok := viewers["user A"]
				if a, b := post(t, tok, userQ, ids[0]), post(t, tok, userQ, ids[1]); a != b {
					t.Fatalf("hidden:  %s\nmissing: %s", a, b)
				}
			})
		}
		t.Run("a viewer that may see the object gets it", func(t *testing.T) {
			admin := env.Token(t, env.Admin(t, "root@example.com"))
			res := env.GraphQL(t, admin, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
				map[string]any{"ids": []string{gidOf(bob.ID), gidOf(f.ID), gidOf(sigs[0].ID)}})
			if len(res.Errors) != 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			res = env.GraphQL(t, env.Token(t, bob), `query($id: ID!) { node(id: $id) { id } }`,
				map[string]any{"id": gidOf(cred.ID)})
			if len(res.Errors) != 0 {
				t.Fatalf("B's own credential, first-party: %v", res.Errors)
			}
			res = env.GraphQL(t, viewers["application token scoped files"], `query($id: ID!) { node(id: $id) { id } }`,
				map[string]any{"id": gidOf(alice.ID)})
			if got := res.Codes(); len(got) != 1 || got[0] != "FORBIDDEN" {
				t.Fatalf("own user without scope identity: %v", got)
			}
		})
	})
}

// costExtension is the budget's report on an answer: what remains in the
// bucket depends on when the request came (it refills), not on what the
// answer hides, so comparisons leave it out.
var costExtension = regexp.MustCompile(`,"extensions":\{"cost":\{[^}]*\}\}`)

func withoutCost(body string) string { return costExtension.ReplaceAllString(body, "") }

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
