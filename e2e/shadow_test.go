package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"

	"userbridge/ent/credential"
	"userbridge/internal/rules/auth"
	"userbridge/internal/shadow"
	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// shadowRequests is how many recorded reads go through the shadow.
const shadowRequests = 1000

// The shadow end to end: a userbridge process is the legacy system (it
// speaks the four dialects exactly), this store is imported from its
// export (export --include-keys, then import), and `userbridge shadow`
// stands in front of it for the four dialects.
// 1,000 recorded reads report nothing; then four deliberate divergences (a
// changed name, a missing avatar, another status on one route, a key only
// the legacy answer has) are each reported once, on their route and path,
// and nothing else is.
func TestShadowEndToEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, legacyDB string) {
		ctx := t.Context()
		legacyFiles := filepath.Join(t.TempDir(), "legacy-files")
		env := []string{"DATABASE_URL=" + legacyDB, "STORAGE_URL=file://" + legacyFiles}
		adminTok := seedAdmin(t, env)
		legacy := start(t, append(env, "RATE_LIMIT=0")...)
		people := seedPeople(t, legacy.URL, adminTok, env, 8)

		storeDB, storeFiles := moveStore(t, legacyDB, legacyFiles)
		dialects := []string{"maarch", "usersv1", "edufocus", "eduplatform"}
		fronts := startShadow(t, legacy.URL, storeDB, storeFiles, dialects)

		reads := recordedReads(people, adminTok)
		for i := range shadowRequests {
			q := reads[i%len(reads)]
			if s, b, err := do(ctx, q.method, fronts[q.dialect]+q.path, q.token, "", nil); err != nil || s >= 500 {
				t.Fatalf("%s %s through the shadow: %d %s %v", q.method, q.path, s, b, err)
			}
		}
		rep := shadowReport(t, fronts["maarch"], adminTok, shadowRequests)
		if d := rep.Differences(); d != 0 {
			t.Fatalf("%d differences on the same data:\n%s", d, reportText(rep))
		}

		// The divergences, made on one side only, then one read each.
		a, b, c, d := people[0], people[1], people[2], people[3]
		must(ctx, t, "PATCH", legacy.URL+"/users/@current", a.token, `{"first_name":"Changed"}`)
		must(ctx, t, "PATCH", legacy.URL+"/users/@current", b.token, `{"avatar":null}`)
		must(ctx, t, "POST", legacy.URL+"/users/"+c.pid+"/ban", adminTok, ``)
		dropScope(t, storeDB, d.token, "email")
		for _, q := range []read{
			{"edufocus", "GET", "/users/@current", a.token},
			{"edufocus", "GET", "/users/" + b.pid, adminTok},
			{"usersv1", "GET", "/v1/users/usr_" + c.pid, c.token},
			{"edufocus", "GET", "/users/@current", d.token},
		} {
			if _, _, err := do(ctx, q.method, fronts[q.dialect]+q.path, q.token, "", nil); err != nil {
				t.Fatal(err)
			}
		}
		rep = shadowReport(t, fronts["maarch"], adminTok, shadowRequests+4)
		var got []string
		for _, dr := range rep.Dialects {
			for _, rt := range dr.Routes {
				for _, p := range rt.Differences {
					got = append(got, fmt.Sprintf("%s %s %s x%d", dr.Dialect, rt.Route, p.Path, p.Count))
				}
			}
		}
		slices.Sort(got)
		want := []string{
			"edufocus GET /users/@current payload.email x1",
			"edufocus GET /users/@current payload.first_name x1",
			"edufocus GET /users/{id} payload.avatar x1",
			"usersv1 GET /v1/users/{id} status x1",
		}
		if !slices.Equal(got, want) || rep.Differences() != 4 {
			t.Fatalf("differences:\n got %q\nwant %q\n%s", got, want, reportText(rep))
		}
	})
}

type person struct{ pid, token string }

type read struct{ dialect, method, path, token string }

// seedAdmin makes the legacy system's administrator with the CLI.
func seedAdmin(t *testing.T, env []string) string {
	t.Helper()
	cli(t, env, "user", "create", "--admin", "--email", "admin@example.com", "--first-name", "Ada", "--last-name", "Admin")
	return cli(t, env, "token", "create", "--user", "admin@example.com")
}

// seedPeople makes n people through the legacy system's own APIs: names,
// a token each, an avatar for the first half, a user file for every other.
func seedPeople(t *testing.T, base, adminTok string, env []string, n int) []person {
	t.Helper()
	ctx := t.Context()
	var out []person
	for i := range n {
		email := fmt.Sprintf("p%d@example.com", i)
		cli(t, env, "user", "create", "--email", email, "--first-name", fmt.Sprintf("First%d", i),
			"--last-name", fmt.Sprintf("Last%d", i), "--login", fmt.Sprintf("p%d", i), "--username", fmt.Sprintf("person%d", i))
		tok := cli(t, env, "token", "create", "--user", email)
		var me struct {
			Payload struct {
				ID string `json:"id"`
			} `json:"payload"`
		}
		_, body, _ := do(ctx, "GET", base+"/users/@current", tok, "", nil)
		if err := json.Unmarshal(body, &me); err != nil || me.Payload.ID == "" {
			t.Fatalf("@current: %s", body)
		}
		if i < n/2 {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			w, _ := mw.CreateFormFile("file", "avatar.png")
			_, _ = w.Write(noisePNG(t, 8))
			_ = mw.Close()
			s, body, err := do(ctx, "POST", base+"/files", tok, mw.FormDataContentType(), &b)
			var f struct {
				Payload struct {
					ID string `json:"id"`
				} `json:"payload"`
			}
			if err != nil || s != 200 || json.Unmarshal(body, &f) != nil {
				t.Fatalf("avatar upload: %d %s %v", s, body, err)
			}
			must(ctx, t, "PATCH", base+"/users/@current", tok, `{"avatar":"`+f.Payload.ID+`"}`)
		}
		if i%2 == 0 {
			if s, _, err := upload(ctx, base, tok, "notes.json", []byte(`{"n":1}`)); err != nil || s != 200 {
				t.Fatalf("user file: %d %v", s, err)
			}
		}
		out = append(out, person{pid: me.Payload.ID, token: tok})
	}
	return out
}

// recordedReads are the reads a day of legacy clients sends, across the
// four dialects: the viewer, other people, lists, files, unknown ids,
// missing and bad credentials.
func recordedReads(people []person, adminTok string) []read {
	var out []read
	for _, p := range people {
		out = append(out,
			read{"maarch", "GET", "/rest/users", adminTok},
			read{"maarch", "GET", "/rest/users?mode=rest", adminTok},
			read{"maarch", "GET", "/rest/users", p.token},
			read{"usersv1", "GET", "/v1/users/usr_" + p.pid, p.token},
			read{"usersv1", "GET", "/v1/users/usr_" + p.pid, adminTok},
			read{"usersv1", "HEAD", "/v1/users/usr_" + p.pid, p.token},
			read{"usersv1", "GET", "/v1/users/usr_" + people[0].pid, p.token},
			read{"edufocus", "GET", "/users/@current", p.token},
			read{"edufocus", "GET", "/users/" + p.pid, adminTok},
			read{"edufocus", "GET", "/users/" + p.pid, p.token},
			read{"eduplatform", "POST", "/api/v1/users/oauth", p.token},
			read{"eduplatform", "GET", "/api/v1/users/user_files", p.token},
		)
	}
	return append(out,
		read{"maarch", "GET", "/rest/users", ""},
		read{"maarch", "GET", "/rest/users", "not-a-token"},
		read{"maarch", "GET", "/rest/nowhere", adminTok},
		read{"usersv1", "GET", "/v1/users/usr_NOSUCHID", adminTok},
		read{"usersv1", "GET", "/v1/users/42", adminTok},
		read{"edufocus", "GET", "/users/NOSUCHID", adminTok},
		read{"eduplatform", "GET", "/api/v1/users/secured_attachments/999999", adminTok},
	)
}

func must(ctx context.Context, t *testing.T, method, url, token, body string) {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	s, b, err := do(ctx, method, url, token, ct, strings.NewReader(body))
	if err != nil || s >= 300 {
		t.Fatalf("%s %s: %d %s %v", method, url, s, b, err)
	}
}

// startShadow runs `userbridge shadow` for the dialects, all in front of
// upstream, on this store's copy, and returns each dialect's address.
func startShadow(t *testing.T, upstream, storeDB, storeFiles string, dialects []string) map[string]string {
	t.Helper()
	args := []string{"shadow", "--rate-limit", "0"}
	fronts := map[string]string{}
	for _, d := range dialects {
		addr := freeAddr(t)
		fronts[d] = "http://" + addr
		args = append(args, "--dialect", d, "--upstream", upstream, "--listen", addr)
	}
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+storeDB, "STORAGE_URL=file://"+storeFiles, "LOG_FORMAT=text")
	log := lockedBuffer{new(sync.Mutex), new(bytes.Buffer)}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s := &server{URL: fronts[dialects[0]], cmd: cmd, log: log.b, mu: log.mu, done: done}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("shadow log:\n%s", tail(s.Log(), 40))
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for _, f := range fronts {
		for {
			res, err := http.Get(f + "/shadow/report.json")
			if err == nil {
				res.Body.Close()
				break
			}
			select {
			case <-done:
				t.Fatalf("shadow exited:\n%s", tail(s.Log(), 40))
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("shadow not listening after 60s:\n%s", tail(s.Log(), 40))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return fronts
}

// shadowReport waits until n requests are accounted for, then returns the
// report (comparisons finish after the clients' answers).
func shadowReport(t *testing.T, front, token string, n int64) shadow.Report {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s, body, err := do(t.Context(), "GET", front+"/shadow/report.json", token, "", nil)
		var rep shadow.Report
		if err != nil || s != 200 || json.Unmarshal(body, &rep) != nil {
			t.Fatalf("report: %d %s %v", s, body, err)
		}
		var total int64
		for _, d := range rep.Dialects {
			for _, r := range d.Routes {
				total += r.Requests
			}
		}
		if total >= n {
			return rep
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests in the report after 60s, want %d:\n%s", total, n, reportText(rep))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func reportText(rep shadow.Report) string {
	b, _ := json.MarshalIndent(rep, "", " ")
	return string(b)
}

// moveStore moves the legacy store into a new one as an operator would:
// `export --include-keys` from it, then `import` into an empty store of the
// same database kind, with its own files folder.
func moveStore(t *testing.T, dbURL, files string) (string, string) {
	t.Helper()
	dump := filepath.Join(t.TempDir(), "legacy.jsonl")
	cli(t, []string{"DATABASE_URL=" + dbURL, "STORAGE_URL=file://" + files}, "export", "--include-keys", "--out", dump)
	dstURL := "sqlite://" + filepath.Join(t.TempDir(), "store.db")
	if strings.HasPrefix(dbURL, "postgres") {
		dstURL = dbtest.URL(t, dbtest.Postgres)
	}
	dstFiles := filepath.Join(t.TempDir(), "store-files")
	env := []string{"DATABASE_URL=" + dstURL, "STORAGE_URL=file://" + dstFiles}
	cli(t, env, "migrate")
	cli(t, env, "import", dump, "--progress", "none")
	return dstURL, dstFiles
}

// dropScope takes a scope away from the credential of token in this
// store only: the legacy side's answer then has a key this store's lacks.
func dropScope(t *testing.T, dbURL, token, scope string) {
	t.Helper()
	st, err := db.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Client.Credential.Query().Where(credential.TokenHash(auth.HashSecret(token))).Only(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	kept := slices.DeleteFunc(slices.Clone(c.Scopes), func(s string) bool { return s == scope })
	if err := st.Client.Credential.UpdateOne(c).SetScopes(kept).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
}
