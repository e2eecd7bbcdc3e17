package maarch_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"userbridge/internal/app"
	"userbridge/internal/store/db/dbtest"
)

// createStatements is what POST /rest/users with a picture costs on
// PostgreSQL, authentication (one statement there, two on SQLite)
// included: the login check (check 6), the e-mail, login and username
// checks, the check that its random public id is no stored legacy id
// (internal/rules/legacyids), the insert, then the avatar's file and the
// user pointed at it. The new user is not read again. Before it was one transaction it cost one
// more (the user read again to attach its picture), in two transactions
// with a compensating delete on failure. The audit event user.created is
// one more insert in the same transaction (docs/audit.md).
const createStatements = 10

// fresh is a new empty database of url's backend, for a subtest that
// needs its own service.
func fresh(t *testing.T, url string) string {
	if strings.HasPrefix(url, "sqlite") {
		return dbtest.URL(t, dbtest.SQLite)
	}
	return dbtest.URL(t, dbtest.Postgres)
}

// storageDir is the folder of the test's file:// storage.
func storageDir(e *env) string { return strings.TrimPrefix(e.Config.StorageURL, "file://") }

// blobs lists the stored blobs.
func blobs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".attrs") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestCreateWithPictureIsOneTransaction: the user and its picture commit
// together, so a picture the store refuses leaves no user (and no blob),
// and the client's retry does not meet "Login already exists".
func TestCreateWithPictureIsOneTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		t.Run("create-200 user and picture, counted statements", func(t *testing.T) {
			e := newEnv(t, fresh(t, url))
			e.call(t, "GET", "/rest/users", e.adminTok, nil) // the token's first use is recorded once
			before := e.Store.Statements()
			body := fmt.Sprintf(`{"login":"counted","firstname":"C","lastname":"S","email":"counted@example.com","picture":%q}`, pngBase64(t, 4, 4, false))
			rec := e.call(t, "POST", "/rest/users", e.adminTok, body)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			n := e.Store.Statements() - before
			want := uint64(createStatements)
			if e.Store.Dialect == dialect.SQLite {
				want++ // authentication: credential, then user
			}
			// The audit event's NOTIFY is not counted: the fan-out sends it
			// after commit on its own connection (internal/auditlog/fanout.go).
			t.Logf("POST /rest/users with picture: %d statements", n)
			if n != want {
				t.Fatalf("%d statements, want %d", n, want)
			}
		})

		// The picture decodes (check 7 passes) but is over MAX_UPLOAD_BYTES:
		// the file service refuses it after the user row was inserted.
		t.Run("create-413 picture refused after the insert leaves no user", func(t *testing.T) {
			e := newEnv(t, fresh(t, url), func(c *app.Config) { c.MaxUploadBytes = 256 })
			users := e.countUsers(t)
			big := pngBase64(t, 32, 32, true)
			body := fmt.Sprintf(`{"login":"big","firstname":"B","lastname":"I","email":"big@example.com","picture":%q}`, big)
			rec := e.call(t, "POST", "/rest/users", e.adminTok, body)
			if rec.Code < 400 {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			if n := e.countUsers(t); n != users {
				t.Fatalf("users %d -> %d: a half-created user was left", users, n)
			}
			if b := blobs(t, storageDir(e)); len(b) != 0 {
				t.Fatalf("blobs left: %v", b)
			}
			retry := fmt.Sprintf(`{"login":"big","firstname":"B","lastname":"I","email":"big@example.com","picture":%q}`, pngBase64(t, 2, 2, false))
			if rec := e.call(t, "POST", "/rest/users", e.adminTok, retry); rec.Code != http.StatusOK {
				t.Fatalf("retry: %d %s", rec.Code, rec.Body.String())
			}
		})

		// The storage folder replaced by a plain file: every blob write
		// fails, as on a full or read-only disk.
		t.Run("create-500 storage refusing writes leaves no user", func(t *testing.T) {
			e := newEnv(t, fresh(t, url))
			dir := storageDir(e)
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dir, []byte("not a folder"), 0o600); err != nil {
				t.Fatal(err)
			}
			users := e.countUsers(t)
			body := fmt.Sprintf(`{"login":"nodisk","firstname":"N","lastname":"D","email":"nodisk@example.com","picture":%q}`, pngBase64(t, 2, 2, false))
			expect(t, e.call(t, "POST", "/rest/users", e.adminTok, body), http.StatusInternalServerError, errJSON("Internal error"))
			if n := e.countUsers(t); n != users {
				t.Fatalf("users %d -> %d: a half-created user was left", users, n)
			}
		})
	})
}
