package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/exporter"
	"userbridge/internal/importer"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/files/blobtest"
	"userbridge/internal/store/db/dbtest"
)

// signedLink matches the signed download links answers carry: they are
// signed anew at each request, so they are compared by the bytes they
// serve, not by their text.
var signedLink = regexp.MustCompile(`https?://[^"]*[?&](sig|signature|expires)=[^"]*`)

// A store exported with its keys and imported into an empty store of the
// other database answers every dialect and GraphQL request as before,
// tokens included: same status, same JSON. The source keeps its files in
// a folder; the destination in a folder, and in S3 when TEST_S3_URL is
// set (SQLite and a folder to PostgreSQL and S3, as the contract says).
func TestMoveAnswersAlike(t *testing.T) {
	if !slices.Contains(dbtest.Available(), dbtest.Postgres) {
		t.Skipf("move test skipped: set %s to move a store into PostgreSQL", dbtest.EnvPostgres)
	}
	from := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	ctx := context.Background()

	admin := from.Admin(t, "root@example.org")
	ada := from.User(t, "ada@example.org", func(in *accounts.CreateInput) { in.FirstName, in.LastName = "Ada", "Lovelace" })
	from.User(t, "bob@example.org", func(in *accounts.CreateInput) { in.Username = new("bobby") })
	adminToken, adaToken := from.Token(t, admin), from.Token(t, ada)
	if _, err := from.Files.Restore(ctx, ada.ID, files.RestoreInput{Name: "report.txt", Data: []byte("report")}); err != nil {
		t.Fatal(err)
	}

	var dump bytes.Buffer
	ex := &exporter.Exporter{Client: from.Store.Client, Files: from.Files}
	if _, err := ex.Export(ctx, &dump, exporter.Options{IncludeKeys: true}); err != nil {
		t.Fatal(err)
	}

	blobtest.Each(t, func(t *testing.T, storage string) {
		moveInto(t, from, dump.Bytes(), storage, adminToken, adaToken, ada)
	})
}

// moveInto imports dump into an empty PostgreSQL store whose files go to
// storage, and compares its answers with from's.
func moveInto(t *testing.T, from *apptest.Env, dump []byte, storage, adminToken, adaToken string, ada *ent.User) {
	ctx := context.Background()
	pg := dbtest.URL(t, dbtest.Postgres)
	// Import into the empty PostgreSQL store before its service starts,
	// as an operator does, then start it on the same database and bucket.
	store := dbtest.Open(t, pg)
	fsvc, err := files.New(ctx, files.Config{Client: store.Client, Dialect: store.Dialect, StorageURL: storage})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dump.jsonl")
	writeFile(t, path, dump)
	im := &importer.Importer{Client: store.Client, Files: fsvc,
		Accounts: &accounts.Service{Client: store.Client}, Limits: importer.DefaultLimits(5, 50<<20)}
	var rep bytes.Buffer
	sum, err := im.ImportFile(ctx, path, importer.Options{Report: &rep})
	if err != nil || sum.Rejected != 0 || sum.Created != 3 {
		t.Fatalf("import: %+v %v\n%s", sum, err, rep.String())
	}
	fsvc.Close()
	to := apptest.New(t, pg, func(c *app.Config) { c.StorageURL = storage })

	requests := []struct {
		name, method, path, token, body string
	}{
		{"usersv1 get", http.MethodGet, "/v1/users/usr_" + ada.PublicID, adminToken, ""},
		{"edufocus current", http.MethodGet, "/users/@current", adaToken, ""},
		{"edufocus by id", http.MethodGet, "/users/" + ada.PublicID, adaToken, ""},
		{"eduplatform show", http.MethodPost, "/api/v1/users/oauth", adaToken, ""},
		{"eduplatform files", http.MethodGet, "/api/v1/users/user_files", adaToken, ""},
		{"maarch list", http.MethodGet, "/rest/users", adminToken, ""},
		{"graphql viewer", http.MethodPost, "/graphql", adaToken,
			`{"query":"{ viewer { id email firstName files(first: 5) { totalCount edges { cursor node { id name size } } } } }"}`},
		{"graphql users", http.MethodPost, "/graphql", adminToken,
			`{"query":"{ users(first: 10) { totalCount edges { cursor node { id email username legacyIds { eduplatform edufocus usersv1 maarch } } } } }"}`},
	}
	for _, rq := range requests {
		t.Run(rq.name, func(t *testing.T) {
			a, b := answer(t, from, rq.method, rq.path, rq.token, rq.body), answer(t, to, rq.method, rq.path, rq.token, rq.body)
			if a != b {
				t.Fatalf("answers differ after the move:\nbefore: %s\nafter:  %s", a, b)
			}
			if strings.Contains(a, `"errors"`) {
				t.Fatalf("the request itself failed: %s", a)
			}
		})
	}
}

// answer is a request's status and JSON body, signed links masked.
func answer(t *testing.T, e *apptest.Env, method, path, token, body string) string {
	t.Helper()
	var b any
	if body != "" {
		b = json.RawMessage(body)
	}
	rec := e.Do(apptest.Request(method, path, token, b))
	return fmt.Sprintf("%d %s", rec.Code, signedLink.ReplaceAllString(rec.Body.String(), "<signed link>"))
}
