package edufocus_test

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"userbridge/ent/file"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// patchStatements is what PATCH /users/@current with a new username and a
// new avatar costs on PostgreSQL, authentication (one statement there, two
// on SQLite) included: one read of the user (locked), the username check,
// the update and ent's read-back, then the avatar's adoption. The user is
// read once: ent's read-back after UPDATE is the only other SELECT of it.
// Before it was one transaction: 13 (PostgreSQL) and 14 (SQLite), the user
// read four times. The audit event user.changed is one more insert in the
// same transaction (docs/audit.md).
const patchStatements = 10

// TestPatchCurrentIsOneTransaction: username and avatar change together or
// not at all, and the request reads the user once.
func TestPatchCurrentIsOneTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		t.Run("patch-200 username and avatar in one transaction, counted statements", func(t *testing.T) {
			id := e.uploadID(t, e.dTok, "me.png", pngBytes)
			before := e.Store.Statements()
			expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, `{"username":"Counted","avatar":"`+id+`"}`),
				200, message(200, "updated"))
			n := e.Store.Statements() - before
			want := uint64(patchStatements)
			if e.Store.Dialect == dialect.SQLite {
				want++ // authentication: credential, then user
			}
			// The audit event's NOTIFY is not counted: the fan-out sends it
			// after commit on its own connection (internal/auditlog/fanout.go).
			t.Logf("PATCH username+avatar: %d statements", n)
			if n != want {
				t.Fatalf("%d statements, want %d", n, want)
			}
			u := e.reload(t, e.dev.ID)
			if u.Username != "Counted" || u.AvatarID == nil || strconv.Itoa(*u.AvatarID) != id {
				t.Fatalf("username %q avatar %v", u.Username, u.AvatarID)
			}
		})

		// Two users ask for the same free username, each with a new avatar,
		// at the same time. The one refused must keep its temporary file
		// temporary and its avatar as it was: before, both passed the check,
		// both adopted, and the loser's username then failed.
		t.Run("patch-400 used_username under a race adopts no avatar", func(t *testing.T) {
			for round := range 8 {
				name := fmt.Sprintf("Race%d", round)
				type racer struct {
					tok, tmp string
					id       int
					code     int
				}
				var rs [2]*racer
				for i := range rs {
					u := e.User(t, fmt.Sprintf("racer%d-%d@edu-focus.org", round, i))
					tok := e.Token(t, u)
					rs[i] = &racer{tok: tok, id: u.ID, tmp: e.uploadID(t, tok, "r.png", pngBytes)}
				}
				var wg sync.WaitGroup
				for _, r := range rs {
					wg.Go(func() {
						rec := e.Do(apptest.Request(http.MethodPatch, "/users/@current", r.tok, `{"username":"`+name+`","avatar":"`+r.tmp+`"}`))
						r.code = rec.Code
					})
				}
				wg.Wait()
				won := 0
				for _, r := range rs {
					u := e.reload(t, r.id)
					tmp, _ := strconv.Atoi(r.tmp)
					f := e.Store.Client.File.GetX(t.Context(), tmp)
					switch r.code {
					case 200:
						won++
						if u.Username != name || u.AvatarID == nil || *u.AvatarID != tmp || f.Kind != file.KindAvatar {
							t.Fatalf("winner: username %q avatar %v kind %s", u.Username, u.AvatarID, f.Kind)
						}
					case 400:
						if u.Username == name || u.AvatarID != nil || f.Kind != file.KindTemporary {
							t.Fatalf("refused: username %q avatar %v kind %s: half applied", u.Username, u.AvatarID, f.Kind)
						}
					default:
						t.Fatalf("status %d", r.code)
					}
				}
				if won != 1 {
					t.Fatalf("round %d: %d winners", round, won)
				}
			}
		})

		t.Run("patch-400 used_username taken before keeps the avatar temporary", func(t *testing.T) {
			e.User(t, "holder@edu-focus.org", func(in *accounts.CreateInput) { in.Username = new("Held") })
			tmp := e.uploadID(t, e.dTok, "t.png", pngBytes)
			expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, `{"username":"Held","avatar":"`+tmp+`"}`),
				400, failure(400, "used_username"))
			id, _ := strconv.Atoi(tmp)
			if f := e.Store.Client.File.GetX(t.Context(), id); f.Kind != file.KindTemporary {
				t.Fatalf("file became %s", f.Kind)
			}
		})
	})
}
