package importer_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"userbridge/ent/legacyid"
	"userbridge/ent/user"
	"userbridge/internal/app/apptest"
	"userbridge/internal/importer"
	"userbridge/internal/interchange"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db/dbtest"
)

// phpBcrypt is what PHP's password_hash (Maarch) stores: bcrypt with the
// $2y$ prefix, the same algorithm as $2a$.
func phpBcrypt(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), 10)
	if err != nil {
		t.Fatal(err)
	}
	return "$2y$" + strings.TrimPrefix(string(h), "$2a$")
}

const appID = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"

// legacyFile is one legacy system's people: an application, two persons
// with ids, a password, an avatar, a file, a signature and a token.
func legacyFile(t *testing.T) string {
	return file(t,
		map[string]any{"type": "application", "id": appID, "name": "Legacy portal", "verified": true,
			"public": false, "secret": "legacy-app-secret-0123456789", "scopes": []string{"identity", "email"}},
		map[string]any{"type": "user", "email": "ada@example.org", "email_verified": true,
			"given_name": "Ada", "family_name": "Lovelace", "login": "alovelace",
			"created_at": "2019-05-01T10:00:00Z", "updated_at": "2021-03-04T05:06:07Z",
			"password_hash": map[string]any{"algorithm": "bcrypt", "value": phpBcrypt(t, "correct horse")},
			"legacy_ids":    map[string]any{"maarch": 4242, "usersv1": "usr_Ada00001"},
			"avatar":        map[string]any{"base64": pngB64(t, 2, 2)},
			"files":         []any{map[string]any{"name": "cv.txt", "base64": "aGVsbG8=", "created_at": "2020-01-01T00:00:00Z"}},
			"signatures":    []any{map[string]any{"external_application": "parapheur", "format": "png", "base64": pngB64(t, 3, 1)}},
			"credentials": []any{map[string]any{"kind": "api_key", "token": "legacy-api-key-ABCDEFGHIJ0123456789",
				"scopes": []string{"identity", "email"}}},
		},
		map[string]any{"type": "user", "email": "bob@example.org", "email_verified": false,
			"given_name": "Bob", "legacy_ids": map[string]any{"maarch": 4243}, "status": "SPD"},
	)
}

func TestImportTwiceChangesNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		path := legacyFile(t)
		sum, rep := e.run(t, path, importer.Options{})
		if sum.Created != 2 || sum.Rejected != 0 || sum.Applications != 1 || sum.Read != 2 {
			t.Fatalf("first run: %+v %v", sum, rep)
		}
		ada := e.byEmail(t, "ada@example.org")
		if ada.FirstName != "Ada" || ada.Login != "alovelace" || userFiles(ada) != 1 ||
			len(ada.Edges.Signatures) != 1 || len(ada.Edges.Credentials) != 1 || ada.AvatarID == nil {
			t.Fatalf("ada: files %d sigs %d creds %d avatar %v; report %v", userFiles(ada), len(ada.Edges.Signatures), len(ada.Edges.Credentials), ada.AvatarID, rep)
		}
		if !ada.CreatedAt.Equal(time.Date(2019, 5, 1, 10, 0, 0, 0, time.UTC)) ||
			!ada.UpdatedAt.Equal(time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)) {
			t.Fatalf("times not kept: %v %v", ada.CreatedAt, ada.UpdatedAt)
		}
		if bob := e.byEmail(t, "bob@example.org"); bob.Status != user.StatusSuspended || bob.Verified {
			t.Fatalf("bob: %+v", bob)
		}
		sum, rep = e.run(t, path, importer.Options{})
		if sum.Created != 0 || sum.Merged != 0 || sum.Unchanged != 2 || sum.Rejected != 0 || sum.Applications != 0 {
			t.Fatalf("second run changed something: %+v %v", sum, rep)
		}
		again := e.byEmail(t, "ada@example.org")
		if !again.UpdatedAt.Equal(ada.UpdatedAt) || userFiles(again) != 1 || *again.AvatarID != *ada.AvatarID ||
			again.Edges.Signatures[0].ID != ada.Edges.Signatures[0].ID {
			t.Fatalf("second run rewrote ada: %+v", again)
		}
	})
}

func TestUnverifiedEmailNeverMerges(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		victim := e.User(t, "victim@example.org", func(in *accounts.CreateInput) { in.FirstName = "Real" })
		intruder := map[string]any{"type": "user", "email": "Victim@Example.org", "email_verified": false,
			"given_name": "Intruder", "updated_at": "2030-01-01T00:00:00Z",
			"password_hash": map[string]any{"algorithm": "bcrypt", "value": phpBcrypt(t, "intruder pass")}}
		sum, rep := e.run(t, file(t, intruder), importer.Options{})
		if sum.Rejected != 1 || sum.Merged != 0 || strings.Join(reasons(rep, "rejected"), ",") != "unverified_email" {
			t.Fatalf("unverified record merged: %+v %v", sum, rep)
		}
		if u := e.byEmail(t, "victim@example.org"); u.FirstName != "Real" || u.PasswordHash != victim.PasswordHash {
			t.Fatalf("victim changed: %+v", u)
		}
		sum, _ = e.run(t, file(t, intruder), importer.Options{MergeUnverified: true})
		if sum.Merged != 1 {
			t.Fatalf("--merge-unverified: %+v", sum)
		}
	})
}

func TestMergeNeverRaisesRightsWithoutMergeRights(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.User(t, "carol@example.org")
		rec := map[string]any{"type": "user", "email": "carol@example.org", "email_verified": true,
			"role": "admin", "privileges": []string{"manage_users"}, "updated_at": "2030-01-01T00:00:00Z"}
		sum, rep := e.run(t, file(t, rec), importer.Options{})
		if u := e.byEmail(t, "carol@example.org"); u.Role != user.RoleUser || len(u.Privileges) != 0 {
			t.Fatalf("rights raised: %+v %+v", u, sum)
		}
		if got := reasons(rep, "conflict"); len(got) != 2 || got[0] != "rights_differ" {
			t.Fatalf("differences not reported: %v", rep)
		}
		e.run(t, file(t, rec), importer.Options{MergeRights: true})
		if u := e.byEmail(t, "carol@example.org"); u.Role != user.RoleAdmin || len(u.Privileges) != 1 {
			t.Fatalf("--merge-rights: %+v", u)
		}
	})
}

// Three systems know overlapping people: whichever order their files come
// in, with --merge-rights, the store is the same (primary keys aside):
// every field from the later source, the union of rights, every system's
// ids.
func TestImportOrderDoesNotMatter(t *testing.T) {
	hash := phpBcrypt(t, "ann's password")
	platform := []any{
		map[string]any{"type": "user", "email": "ann@example.org", "email_verified": true, "given_name": "Ann",
			"family_name": "Early", "updated_at": "2019-01-01T00:00:00Z", "legacy_ids": map[string]any{"eduplatform": 11}},
		map[string]any{"type": "user", "email": "dan@example.org", "email_verified": true, "given_name": "Daniel",
			"updated_at": "2021-01-01T00:00:00Z", "legacy_ids": map[string]any{"eduplatform": 9}},
		map[string]any{"type": "user", "email": "eve@example.org", "email_verified": true, "given_name": "Eve",
			"legacy_ids": map[string]any{"eduplatform": 12}, "password_hash": map[string]any{"algorithm": "pbkdf2",
				// Django's make_password("eve's password"), 10,000 iterations
				"value": "pbkdf2_sha256$10000$EveSalt123$8R+6IFaY66DOQoFP2pT6cCQ5ZC2te5w70qrqXowkbUw="}},
	}
	focus := []any{
		map[string]any{"type": "user", "email": "ANN@example.org", "email_verified": true, "given_name": "Annie",
			"username": "annie", "flags": 2, "updated_at": "2023-01-01T00:00:00Z", "legacy_ids": map[string]any{"edufocus": "Ann00011"}},
		map[string]any{"type": "user", "email": "dan@example.org", "email_verified": true, "given_name": "Dan",
			"username": "danny", "updated_at": "2022-01-01T00:00:00Z", "legacy_ids": map[string]any{"edufocus": "Dan00077"}},
		map[string]any{"type": "user", "email": "fay@example.org", "email_verified": true, "given_name": "Fay",
			"legacy_ids": map[string]any{"edufocus": "Fay00042"}, "password_hash": map[string]any{"algorithm": "sha512-crypt", "value": fayHash}},
	}
	maarch := []any{
		map[string]any{"type": "user", "email": "ann@example.org", "email_verified": true, "given_name": "Ann",
			"family_name": "Maarch", "login": "ann", "privileges": []string{"manage_users"}, "updated_at": "2020-06-01T00:00:00Z",
			"password_hash": map[string]any{"algorithm": "bcrypt", "value": hash}, "legacy_ids": map[string]any{"maarch": 21}},
		map[string]any{"type": "user", "email": "dan@example.org", "email_verified": true, "given_name": "Daniel",
			"family_name": "Old", "login": "dan", "role": "admin", "status": "SPD", "updated_at": "2020-01-01T00:00:00Z",
			"legacy_ids": map[string]any{"maarch": 77}},
	}
	orders := map[string][][]any{
		"platform, focus, maarch": {platform, focus, maarch},
		"maarch, focus, platform": {maarch, focus, platform},
		"focus, maarch, platform": {focus, maarch, platform},
	}
	passwords := map[string]string{"ann@example.org": "ann's password", "eve@example.org": "eve's password",
		"fay@example.org": "fay's password"}
	snapshots := map[string]map[string]string{} // backend → order → store
	var mu sync.Mutex
	for name, files := range orders {
		t.Run(name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, dbURL string) {
				e, base := newServedEnv(t, dbURL)
				for _, lines := range files {
					if sum, rep := e.run(t, file(t, lines...), importer.Options{MergeRights: true}); sum.Rejected != 0 {
						t.Fatalf("%+v %v", sum, rep)
					}
				}
				snap := e.snapshot(t)
				dan := e.byEmail(t, "dan@example.org")
				if dan.FirstName != "Dan" || dan.LastName != "Old" || dan.Login != "dan" || dan.Username != "danny" ||
					dan.Role != user.RoleAdmin || dan.Status != user.StatusSuspended {
					t.Fatalf("dan: %s", snap)
				}
				if ids := e.legacyIDs(t, dan); ids["maarch"] != "77" || ids["edufocus"] != "Dan00077" || ids["eduplatform"] != "9" {
					t.Fatalf("dan's legacy ids: %v", ids)
				}
				ann := e.byEmail(t, "ann@example.org")
				if ann.FirstName != "Annie" || ann.LastName != "Maarch" || ann.Flags != 2 ||
					!slices.Contains(ann.Privileges, "manage_users") || ann.PasswordHash != hash {
					t.Fatalf("ann: %s", snap)
				}
				// Every imported password signs in once on each path, the
				// first of which verifies it with its own algorithm: the
				// screens first in two orders, GraphQL first in the other.
				for email, password := range passwords {
					screen := func() bool { return e.screenSignIn(t, base, email, password) }
					graphQL := func() bool { return e.graphQLSignIn(t, email, password) }
					paths := []func() bool{screen, graphQL}
					if name == "platform, focus, maarch" {
						paths = []func() bool{graphQL, screen}
					}
					for i, signIn := range paths {
						if !signIn() {
							t.Fatalf("%s did not sign in on path %d of %s", email, i+1, name)
						}
					}
					if h := e.byEmail(t, email).PasswordHash; !strings.HasPrefix(h, "$argon2id$") {
						t.Fatalf("%s's hash is not argon2id after signing in: %.12s", email, h)
					}
				}
				backend := strings.SplitN(t.Name(), "/", 3)[2]
				mu.Lock()
				defer mu.Unlock()
				if snapshots[backend] == nil {
					snapshots[backend] = map[string]string{}
				}
				snapshots[backend][name] = snap
			})
		})
	}
	for backend, byOrder := range snapshots {
		var first, firstName string
		for name, snap := range byOrder {
			if first == "" {
				first, firstName = snap, name
			} else if snap != first {
				t.Errorf("%s: %q gives\n%s\nbut %q gives\n%s", backend, firstName, first, name, snap)
			}
		}
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sum, rep := e.run(t, legacyFile(t), importer.Options{DryRun: true})
		if sum.Created != 2 || !sum.DryRun || sum.Rejected != 0 {
			t.Fatalf("dry run: %+v %v", sum, rep)
		}
		ctx := context.Background()
		for name, n := range map[string]func(context.Context) (int, error){
			"users":        e.Store.Client.User.Query().Count,
			"applications": e.Store.Client.Application.Query().Count,
			"files":        e.Store.Client.File.Query().Count,
			"credentials":  e.Store.Client.Credential.Query().Count,
			"legacy ids":   e.Store.Client.LegacyID.Query().Count,
		} {
			if c, err := n(ctx); err != nil || c != 0 {
				t.Fatalf("dry run left %d %s (%v)", c, name, err)
			}
		}
		if left := e.blobs(t); left != 0 {
			t.Fatalf("dry run left %d blobs", left)
		}
	})
}

// After the import, the legacy client's old token and the application's
// old secret work, with the scopes they had; the person signs in with
// their old password, which is then stored as argon2id.
func TestImportedTokensSecretsAndPasswordsKeepWorking(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if sum, rep := e.run(t, legacyFile(t), importer.Options{}); sum.Rejected != 0 {
			t.Fatalf("%+v %v", sum, rep)
		}
		res := e.GraphQL(t, "legacy-api-key-ABCDEFGHIJ0123456789", `{ viewer { email } }`, nil)
		var v struct{ Viewer struct{ Email string } }
		res.Decode(t, &v)
		if v.Viewer.Email != "ada@example.org" {
			t.Fatalf("imported api key: %+v", res)
		}
		req := apptest.Request(http.MethodPost, "/oauth/token", "", nil)
		req.Body = http.NoBody
		form := "grant_type=client_credentials&client_id=" + appID + "&client_secret=legacy-app-secret-0123456789"
		req, _ = http.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if rec := e.Do(req); rec.Code != http.StatusOK {
			t.Fatalf("imported app secret: %d %s", rec.Code, rec.Body)
		}
		login := e.GraphQL(t, "", `mutation { login(email: "ada@example.org", password: "correct horse") { token } }`, nil)
		if len(login.Errors) != 0 {
			t.Fatalf("imported password: %+v", login)
		}
		if h := e.byEmail(t, "ada@example.org").PasswordHash; !strings.HasPrefix(h, "$argon2id$") {
			t.Fatalf("hash not upgraded: %.10s", h)
		}
	})
}

// records is a source of ready-made records and source rejections.
type records struct {
	items []any // interchange.Record or *importer.Rejected
}

func (s *records) Next() (interchange.Record, error) {
	if len(s.items) == 0 {
		return interchange.Record{}, io.EOF
	}
	it := s.items[0]
	s.items = s.items[1:]
	if rej, ok := it.(*importer.Rejected); ok {
		return interchange.Record{}, rej
	}
	return it.(interchange.Record), nil
}

// A Maarch row rejected for its e-mail keeps its id reserved: a native
// user never derives it, another person never receives it, and the import
// that brings the person once the address is fixed claims it.
func TestRejectedPersonsIDIsReservedThenClaimed(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id := int64(500)
		rejected := &importer.Rejected{Line: 1, Reason: "empty_mail", Detail: "no address", Reserve: true,
			User: &interchange.User{LegacyIDs: &interchange.LegacyIDs{Maarch: &id}}}
		sum, err := e.im.Import(ctx, &records{items: []any{rejected}}, importer.Options{})
		if err != nil || sum.Rejected != 1 || sum.Created != 0 {
			t.Fatalf("first run: %+v %v", sum, err)
		}
		if holder, held, err := legacyids.Holder(ctx, e.Store.Client, legacyid.DialectMaarch, "500"); err != nil || !held || holder != 0 {
			t.Fatalf("not reserved: %d %v %v", holder, held, err)
		}
		native := e.User(t, "native@example.org")
		if native.ID <= 500 {
			t.Fatalf("a native user was created with id %d, deriving a reserved Maarch id", native.ID)
		}
		if err := legacyids.Assign(ctx, e.Store.Client, native.ID, legacyid.DialectMaarch, "500"); err == nil {
			t.Fatal("a reserved id was given to another person")
		}
		fixed := interchange.Record{Line: 1, User: &interchange.User{Email: "fixed@example.org", EmailVerified: true,
			LegacyIDs: &interchange.LegacyIDs{Maarch: &id}}}
		sum, err = e.im.Import(ctx, &records{items: []any{fixed}}, importer.Options{})
		if err != nil || sum.Created != 1 || sum.Rejected != 0 {
			t.Fatalf("second run: %+v %v", sum, err)
		}
		if got := e.legacyIDs(t, e.byEmail(t, "fixed@example.org"))["maarch"]; got != "500" {
			t.Fatalf("the person brought in shows Maarch id %q, want the reserved 500", got)
		}
	})
}

// A ban revokes credentials for good: a person imported banned, or banned
// by a later source, keeps no live credential for an unban to revive.
func TestImportedBanRevokesCredentials(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		banned := map[string]any{"type": "user", "email": "eve@example.org", "email_verified": true, "status": "banned",
			"credentials": []any{map[string]any{"kind": "api_key", "token": "eve-legacy-key-0123456789", "scopes": []string{"identity"}}}}
		native := e.User(t, "mallory@example.org")
		e.Token(t, native)
		later := map[string]any{"type": "user", "email": "mallory@example.org", "email_verified": true,
			"status": "banned", "updated_at": "2100-01-01T00:00:00Z"}
		if sum, rep := e.run(t, file(t, banned, later), importer.Options{}); sum.Created != 1 || sum.Merged != 1 {
			t.Fatalf("%+v %v", sum, rep)
		}
		for _, email := range []string{"eve@example.org", "mallory@example.org"} {
			u := e.byEmail(t, email)
			if u.Status != user.StatusBanned || len(u.Edges.Credentials) == 0 {
				t.Fatalf("%s: %s with %d credentials", email, u.Status, len(u.Edges.Credentials))
			}
			for _, c := range u.Edges.Credentials {
				if c.RevokedAt == nil {
					t.Errorf("%s keeps a live credential after an imported ban", email)
				}
			}
		}
		_ = ctx
	})
}

// A move into an empty store keeps primary keys; a user created afterwards
// takes a key, and so derived ids, above every key and integer id the file
// held.
func TestUsersCreatedAfterAMoveComeAfterIt(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		lines := []any{
			map[string]any{"type": "user", "id": 50, "email": "kept@example.org", "email_verified": true},
			map[string]any{"type": "user", "email": "ided@example.org", "email_verified": true,
				"legacy_ids": map[string]any{"maarch": 70}},
		}
		if sum, rep := e.run(t, file(t, lines...), importer.Options{}); sum.Created != 2 {
			t.Fatalf("%+v %v", sum, rep)
		}
		if kept := e.byEmail(t, "kept@example.org"); kept.ID != 50 {
			t.Fatalf("the move did not keep the primary key: %d", kept.ID)
		}
		if ided := e.byEmail(t, "ided@example.org"); ided.ID <= 70 {
			t.Fatalf("a person created during the import took key %d, deriving an id the file holds", ided.ID)
		}
		if later := e.User(t, "later@example.org"); later.ID <= 70 {
			t.Fatalf("a user created after the move took key %d", later.ID)
		}
	})
}

// fayHash is "fay's password" as sha512-crypt:
// openssl passwd -6 -salt saltsalt "fay's password".
const fayHash = "$6$saltsalt$jTLPxUB/2NiCV9sX0HRn1X7jiPJNDqzhoUEcFfI2BF91pTIy7QwHGDI8LR/YGbklfZtrMmVbukQzIWsMX6CcH1"
