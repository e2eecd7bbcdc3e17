package importer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"userbridge/ent"
	entfile "userbridge/ent/file"
	"userbridge/ent/legacyid"
	"userbridge/ent/user"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/importer"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db/dbtest"
)

// env is a running service and an importer writing into its store.
type env struct {
	*apptest.Env
	im *importer.Importer
}

func newEnv(t testing.TB, dbURL string, options ...func(*app.Config)) *env {
	t.Helper()
	a := apptest.New(t, dbURL, options...)
	im := &importer.Importer{Client: a.Store.Client, Files: a.Files,
		Accounts: a.Accounts, Limits: importer.DefaultLimits(5, 1<<20)}
	return &env{Env: a, im: im}
}

// each runs fn on SQLite and PostgreSQL.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	dbtest.Each(t, func(t *testing.T, url string) { fn(t, newEnv(t, url)) })
}

// file writes lines (values marshalled as JSON, strings as they are) into
// a temporary .jsonl and returns its path.
func file(t testing.TB, lines ...any) string {
	t.Helper()
	var b bytes.Buffer
	for _, l := range lines {
		if s, ok := l.(string); ok {
			b.WriteString(s)
		} else {
			j, err := json.Marshal(l)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(j)
		}
		b.WriteByte('\n')
	}
	p := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// run imports path and returns the summary and the report's lines.
func (e *env) run(t *testing.T, path string, opt importer.Options) (importer.Summary, []map[string]any) {
	t.Helper()
	var rep bytes.Buffer
	opt.Report = &rep
	sum, err := e.im.ImportFile(context.Background(), path, opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(rep.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("report line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return sum, lines
}

// byEmail reads a user with what it holds.
func (e *env) byEmail(t *testing.T, email string) *ent.User {
	t.Helper()
	u, err := e.Store.Client.User.Query().Where(user.EmailKey(ident.Key(email))).WithFiles().WithSignatures().
		WithCredentials().WithConsents().Only(context.Background())
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// pngB64 is a w×h PNG in base64.
func pngB64(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// reasons collects the report's rejection reasons.
func reasons(lines []map[string]any, outcome string) []string {
	var out []string
	for _, l := range lines {
		if l["outcome"] == outcome {
			r, _ := l["reason"].(string)
			out = append(out, r)
		}
	}
	return out
}

// blobs counts the blobs in the store's bucket.
func (e *env) blobs(t *testing.T) int {
	t.Helper()
	n := 0
	it := e.Files.Bucket().List(nil)
	for {
		obj, err := it.Next(context.Background())
		if err != nil {
			return n
		}
		if !obj.IsDir {
			n++
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// legacyIDs are the ids u shows in each dialect, by dialect name.
func (e *env) legacyIDs(t *testing.T, u *ent.User) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range []legacyid.Dialect{legacyid.DialectEduplatform, legacyid.DialectEdufocus,
		legacyid.DialectUsersv1, legacyid.DialectMaarch} {
		v, err := legacyids.In(context.Background(), e.Store.Client, u, d)
		if err != nil {
			t.Fatal(err)
		}
		out[string(d)] = v
	}
	return out
}

// userFiles counts u's user files (its files edge holds the avatar too).
func userFiles(u *ent.User) int {
	n := 0
	for _, f := range u.Edges.Files {
		if f.Kind == entfile.KindUserFile {
			n++
		}
	}
	return n
}

// snapshot is the store's people as text, primary keys aside: what two
// imports of the same sources in different orders must agree on.
func (e *env) snapshot(t *testing.T) string {
	t.Helper()
	users, err := e.Store.Client.User.Query().Order(ent.Asc(user.FieldEmailKey)).All(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range users {
		privs := slices.Sorted(slices.Values(u.Privileges))
		ids := e.legacyIDs(t, u)
		for _, d := range []string{"eduplatform", "maarch"} { // derived from the primary key when not imported
			if ids[d] == strconv.Itoa(u.ID) {
				ids[d] = "derived"
			}
		}
		if ids["edufocus"] == u.PublicID {
			ids["edufocus"] = "derived"
		}
		if ids["usersv1"] == "usr_"+u.PublicID {
			ids["usersv1"] = "derived"
		}
		fmt.Fprintf(&b, "%s first=%q last=%q login=%q username=%q role=%s flags=%d privileges=%v status=%s mode=%s verified=%v password=%v ids=%v\n",
			u.EmailKey, u.FirstName, u.LastName, u.Login, u.Username, u.Role, u.Flags, privs, u.Status, u.Mode,
			u.Verified, u.PasswordHash != "", ids)
	}
	return b.String()
}
