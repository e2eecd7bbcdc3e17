package shadow_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"userbridge/ent/user"
	"userbridge/internal/shadow"
	"userbridge/internal/store/db/dbtest"
)

// An upstream answer far over the comparison cap reaches the client whole
// and unchanged; the comparison keeps only the cap and a hash, and reports
// the bodies as different by hash.
func TestShadowHugeBodyComparedByHash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		huge := `{"users":[` + strings.Repeat(`{"id":1,"login":"x","firstname":"y","lastname":"z"},`, 200_000) + `{"id":2,"login":"a","firstname":"b","lastname":"c"}]}`
		r := newRig(t, url, func(c *rigConfig) { c.shadow.MaxCompareBytes = 64 << 10 })
		r.edit = func(req *http.Request, status int, body []byte) (int, []byte) {
			if req.URL.Path == "/rest/users" {
				return 200, []byte(huge)
			}
			return status, body
		}
		status, body := r.get(t, "maarch", "/rest/users", r.adminTok)
		if status != 200 || sha256.Sum256(body) != sha256.Sum256([]byte(huge)) {
			t.Fatalf("client got %d and %d bytes, want 200 and the %d bytes sent", status, len(body), len(huge))
		}
		got := differences(r.report(t))
		if len(got) != 1 || got[0] != "maarch GET /rest/users body hash" {
			t.Fatalf("differences %q", got)
		}
	})
}

// Answers that differ only in noise: times within the tolerance (same
// layout), signed links, rate-limit budgets, and with --noise-sample a
// field the upstream itself answers differently each time.
func TestShadowBodiesDifferingOnlyInNoise(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		var calls atomic.Int64
		r := newRig(t, url, func(c *rigConfig) {
			c.shadow.NoiseSample = 1
			c.shadow.Random = func() float64 { return 0 }
		})
		pid := r.member.PublicID
		r.edit = func(req *http.Request, status int, body []byte) (int, []byte) {
			var v map[string]any
			if json.Unmarshal(body, &v) != nil {
				return status, body
			}
			switch req.URL.Path {
			case "/v1/users/usr_" + pid:
				at, _ := time.Parse(time.RFC3339, v["created_at"].(string))
				v["created_at"] = at.Add(time.Second).UTC().Format(time.RFC3339) // within tolerance
			case "/rest/users":
				v["request_serial"] = calls.Add(1) // differs between two upstream answers
			}
			b, _ := json.Marshal(v)
			return status, b
		}
		r.get(t, "usersv1", "/v1/users/usr_"+pid, r.memberTok)
		r.get(t, "maarch", "/rest/users", r.adminTok)
		r.get(t, "maarch", "/rest/users", r.adminTok)
		rep := r.report(t)
		if d := differences(rep); len(d) != 0 {
			t.Fatalf("noise reported as differences: %v\n%s", d, dump(rep))
		}
		if rt := route(rep, "maarch", "GET /rest/users"); len(rt.NoisyPaths) != 1 || rt.NoisyPaths[0] != "request_serial" {
			t.Fatalf("noise learned %v", rt.NoisyPaths)
		}
		if r.hits.Load() != 6 {
			t.Fatalf("upstream asked %d times, want 6 (each read twice with --noise-sample 1)", r.hits.Load())
		}
	})
}

// Without --noise-sample the upstream is asked once per request, and what
// only a second request would show as noise is a difference; a time in
// another layout is one too.
func TestShadowNoiseSampleOffByDefault(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		r := newRig(t, url)
		pid := r.member.PublicID
		r.edit = func(req *http.Request, status int, body []byte) (int, []byte) {
			var v map[string]any
			if json.Unmarshal(body, &v) != nil {
				return status, body
			}
			switch req.URL.Path {
			case "/v1/users/usr_" + pid:
				v["created_at"] = strings.TrimSuffix(v["created_at"].(string), "Z") + ".000Z"
			case "/rest/users":
				v["request_serial"] = 1
			}
			b, _ := json.Marshal(v)
			return status, b
		}
		r.get(t, "usersv1", "/v1/users/usr_"+pid, r.memberTok)
		r.get(t, "maarch", "/rest/users", r.adminTok)
		got := differences(r.report(t))
		want := "[maarch GET /rest/users request_serial missing usersv1 GET /v1/users/{id} created_at value]"
		if s := strings.Join(sorted(got), " "); "["+s+"]" != want {
			t.Fatalf("differences %v, want %s", got, want)
		}
		if r.hits.Load() != 2 {
			t.Fatalf("upstream asked %d times, want 2", r.hits.Load())
		}
	})
}

// The legacy system down: the client gets a bare 502 (this store never
// stands in for it), the outcome is counted, and nothing is compared.
func TestShadowLegacyDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		r := newRig(t, url, func(c *rigConfig) { c.noUp = true })
		status, body := r.get(t, "maarch", "/rest/users", r.adminTok)
		if status != http.StatusBadGateway || len(body) != 0 {
			t.Fatalf("legacy down: %d %q, want 502 and no body", status, body)
		}
		s, _, _ := r.do(t, "usersv1", "POST", "/v1/users", r.adminTok,
			strings.NewReader(`{"email":"new@example.com","name":"N","password":"password123"}`), "application/json")
		if s != http.StatusBadGateway {
			t.Fatalf("write with legacy down: %d", s)
		}
		rep := r.report(t)
		if rt := route(rep, "maarch", "GET /rest/users"); rt.Outcomes[shadow.OutcomeUpstream] != 1 || rt.Requests != 1 {
			t.Fatalf("outcomes %v", rt.Outcomes)
		}
		if rt := route(rep, "usersv1", "POST /v1/users"); rt.Outcomes[shadow.OutcomeUpstream] != 1 || rt.Requests != 1 {
			t.Fatalf("write outcomes %v", rt.Outcomes)
		}
		if n, _ := r.store.Store.Client.User.Query().Count(t.Context()); n != 2 {
			t.Fatalf("%d users in this store, want 2: a write reached it", n)
		}
	})
}

// A store that hangs never holds the client: the queue fills, further
// comparisons are dropped and counted, every client is answered.
func TestShadowSlowStoreNeverSlowsClient(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		release := make(chan struct{})
		entered := make(chan struct{}, 16)
		r := newRig(t, url, func(c *rigConfig) {
			c.shadow.Queue, c.shadow.Workers = 1, 1
			c.storeWrap = func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
					entered <- struct{}{}
					<-release
					h.ServeHTTP(w, req)
				})
			}
		})
		const n = 6
		for i := range n {
			status, _ := r.get(t, "maarch", "/rest/users", r.adminTok)
			if status != 200 {
				t.Fatalf("request %d: %d", i, status)
			}
			if i == 0 {
				<-entered // the one worker is now held by the store
			}
		}
		close(release)
		rt := route(r.report(t), "maarch", "GET /rest/users")
		if rt.Requests != n || rt.Outcomes[shadow.OutcomeDropped] != n-2 || rt.Outcomes[shadow.OutcomeSame] != 2 {
			t.Fatalf("outcomes %v over %d requests, want %d dropped (one running, one queued)", rt.Outcomes, rt.Requests, n-2)
		}
	})
}

// Writes go to the upstream only: a user created through the shadow is in
// the legacy system's database, not in this store's.
func TestShadowWritesNeverReachTheStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		other := dbtest.URL(t, backendOf(dbURL))
		r := newRig(t, dbURL, func(c *rigConfig) { c.legacyURL = other })
		legacyTok := r.legacyEnv.Token(t, r.legacyEnv.Admin(t, "legacy-admin@example.com"))
		before, _ := r.store.Store.Client.User.Query().Count(t.Context())
		for _, q := range []struct{ dialect, method, path, body string }{
			{"usersv1", "POST", "/v1/users", `{"email":"w@example.com","name":"W","password":"password123"}`},
			{"usersv1", "PUT", "/v1/users/usr_" + r.member.PublicID, `{"name":"Changed"}`},
			{"usersv1", "DELETE", "/v1/users/usr_" + r.member.PublicID, ``},
			{"maarch", "POST", "/rest/users", `{"login":"w2","email":"w2@example.com","firstname":"W","lastname":"Two"}`},
			{"edufocus", "PATCH", "/users/@current", `{"first_name":"Changed"}`},
			{"edufocus", "DELETE", "/users/@current", ``},
		} {
			if s, _, b := r.do(t, q.dialect, q.method, q.path, legacyTok, strings.NewReader(q.body), "application/json"); s >= 500 {
				t.Fatalf("%s %s: %d %s", q.method, q.path, s, b)
			}
		}
		if n, _ := r.legacyEnv.Store.Client.User.Query().Where(user.EmailIn("w@example.com", "w2@example.com")).Count(t.Context()); n != 2 {
			t.Fatalf("the legacy side holds %d of the users created, want 2", n)
		}
		after, _ := r.store.Store.Client.User.Query().Count(t.Context())
		m, err := r.store.Store.Client.User.Get(t.Context(), r.member.ID)
		if after != before || err != nil || m.FirstName != "Marc" {
			t.Fatalf("this store changed: %d users before, %d after; member %v %v", before, after, m, err)
		}
		rep := r.report(t)
		for _, rt := range []string{"POST /v1/users", "PUT /v1/users/{id}", "DELETE /v1/users/{id}"} {
			if got := route(rep, "usersv1", rt); got.Outcomes[shadow.OutcomeNotCompared] != 1 {
				t.Fatalf("%s: %v", rt, got.Outcomes)
			}
		}
	})
}

// The report is this store's administrators' only, and never forwarded.
func TestShadowReportForAdministratorsOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		r := newRig(t, url)
		r.get(t, "maarch", "/rest/users?email=member@example.com&token=abc", r.adminTok)
		hits := r.hits.Load()
		cases := []struct {
			path, token string
			want        int
		}{
			{"/shadow/report.json", "", 401},
			{"/shadow/report.json", "not-a-token", 401},
			{"/shadow/report.json", r.memberTok, 403},
			{"/shadow/metrics", r.memberTok, 403},
			{"/shadow/", r.memberTok, 403},
			{"/shadow/report.json", r.adminTok, 200},
			{"/shadow/metrics", r.adminTok, 200},
			{"/shadow/", r.adminTok, 200},
			{"/shadow/nothing", r.adminTok, 404},
		}
		for _, c := range cases {
			status, body := r.get(t, "maarch", c.path, c.token)
			if status != c.want {
				t.Errorf("%s with %q: %d, want %d: %s", c.path, c.token, status, c.want, body)
			}
		}
		if r.hits.Load() != hits {
			t.Fatalf("report requests reached the upstream")
		}
		_, metrics := r.get(t, "maarch", "/shadow/metrics", r.adminTok)
		if !bytes.Contains(metrics, []byte(`userbridge_shadow_requests_total{dialect="maarch",outcome="same",route="GET /rest/users"} 1`)) {
			t.Fatalf("metrics:\n%s", metrics)
		}
		_, page := r.get(t, "maarch", "/shadow/", r.adminTok)
		if !bytes.Contains(page, []byte("GET /rest/users")) || bytes.Contains(page, []byte("member@example.com")) {
			t.Fatalf("page:\n%s", page)
		}
	})
}

// The page's sign-in form keeps an administrator's token in a cookie
// scoped to /shadow/; a member's token is refused.
func TestShadowPageSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		r := newRig(t, dbURL)
		front := r.fronts["maarch"]
		client := front.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		post := func(tok string) *http.Response {
			resp, err := client.PostForm(front.URL+"/shadow/", url.Values{"token": {tok}})
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		if resp := post(r.memberTok); resp.StatusCode != 401 || len(resp.Cookies()) != 0 {
			t.Fatalf("member sign-in: %d %v", resp.StatusCode, resp.Cookies())
		}
		resp := post(r.adminTok)
		if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 || resp.Cookies()[0].Path != "/shadow/" || !resp.Cookies()[0].HttpOnly {
			t.Fatalf("admin sign-in: %d %v", resp.StatusCode, resp.Cookies())
		}
		req := httptest.NewRequest("GET", front.URL+"/shadow/report.json", nil)
		req.RequestURI = ""
		req.AddCookie(resp.Cookies()[0])
		got, err := client.Do(req)
		if err != nil || got.StatusCode != 200 {
			t.Fatalf("report with the cookie: %v %v", got, err)
		}
		got.Body.Close()
	})
}

// Examples never show e-mail addresses, tokens or passwords.
func TestShadowExamplesAreRedacted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		r := newRig(t, url)
		pid := r.member.PublicID
		r.edit = editJSON("GET", "/v1/users/usr_"+pid, func(v map[string]any) {
			v["email"] = "other@example.com"
			v["name"] = "Marc <marc@example.org>"
			v["password"] = "hunter22"
		})
		r.get(t, "usersv1", "/v1/users/usr_"+pid+"?access_token=SECRET&q=someone@example.com", r.memberTok)
		rep := r.report(t)
		b, _ := json.Marshal(rep)
		for _, leak := range []string{"example.com", "example.org", "SECRET", "hunter22", r.memberTok} {
			if bytes.Contains(b, []byte(leak)) {
				t.Fatalf("report shows %q:\n%s", leak, dump(rep))
			}
		}
		if len(differences(rep)) != 3 {
			t.Fatalf("differences %v", differences(rep))
		}
	})
}

func backendOf(url string) dbtest.Backend {
	if strings.HasPrefix(url, "postgres") {
		return dbtest.Postgres
	}
	return dbtest.SQLite
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
