package shadow_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"userbridge/internal/shadow"
	"userbridge/internal/store/db/dbtest"
)

// The same data behind both systems: whatever the dialect, only noise
// differs (signed links under another host, rate-limit budgets), and
// nothing is reported. Writes reach the upstream once and are not compared.
func TestShadowSameAnswersReportNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		r := newRig(t, url)
		pid := r.member.PublicID
		// A write: forwarded, applied once (by the upstream), not compared.
		body, ctype := multipartFile("notes.json", `{"a":1}`)
		if s, _, b := r.do(t, "eduplatform", "POST", "/api/v1/users/user_files/upload", r.memberTok, body, ctype); s != 200 {
			t.Fatalf("upload: %d %s", s, b)
		}
		reads := []struct{ dialect, method, path, token string }{
			{"maarch", "GET", "/rest/users", r.adminTok},
			{"maarch", "GET", "/rest/users?mode=rest", r.adminTok},
			{"maarch", "GET", "/rest/users", r.memberTok},
			{"maarch", "GET", "/rest/users", ""},
			{"maarch", "GET", "/rest/nowhere", r.adminTok},
			{"usersv1", "GET", "/v1/users/usr_" + pid, r.memberTok},
			{"usersv1", "GET", "/v1/users/usr_" + pid, r.adminTok},
			{"usersv1", "HEAD", "/v1/users/usr_" + pid, r.adminTok},
			{"usersv1", "GET", "/v1/users/usr_NOSUCHID", r.adminTok},
			{"edufocus", "GET", "/users/@current", r.memberTok},
			{"edufocus", "GET", "/users/" + pid, r.adminTok},
			{"eduplatform", "POST", "/api/v1/users/oauth", r.memberTok},
			{"eduplatform", "GET", "/api/v1/users/user_files", r.memberTok},
		}
		for _, q := range reads {
			r.do(t, q.dialect, q.method, q.path, q.token, nil, "")
		}
		rep := r.report(t)
		if d := differences(rep); len(d) != 0 {
			t.Fatalf("differences reported on the same data: %v\n%s", d, dump(rep))
		}
		var same int64
		for _, d := range rep.Dialects {
			for _, rt := range d.Routes {
				same += rt.Outcomes[shadow.OutcomeSame]
			}
		}
		if same != int64(len(reads)) {
			t.Fatalf("%d requests compared the same, want %d\n%s", same, len(reads), dump(rep))
		}
		up := route(rep, "eduplatform", "POST /api/v1/users/user_files/upload")
		if up.Outcomes[shadow.OutcomeNotCompared] != 1 || up.Requests != 1 {
			t.Fatalf("upload row: %+v", up)
		}
		n, err := r.store.Store.Client.File.Query().Count(t.Context())
		if err != nil || n != 1 {
			t.Fatalf("the upload is in the store %d times (%v), want once", n, err)
		}
	})
}

// Each deliberate divergence of the legacy side is reported once, on its
// route and path, and nothing else is.
func TestShadowReportsEachDivergenceOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		r := newRig(t, url)
		pid := r.member.PublicID
		edits := []func(*http.Request, int, []byte) (int, []byte){
			editJSON("GET", "/rest/users", func(v map[string]any) {
				for _, u := range v["users"].([]any) {
					if m := u.(map[string]any); m["login"] == "marc" {
						m["firstname"] = "Marcel" // a changed name
					}
				}
			}),
			editJSON("GET", "/users/@current", func(v map[string]any) {
				v["payload"].(map[string]any)["nickname"] = "mm" // an extra key
			}),
			editJSON("GET", "/users/"+pid, func(v map[string]any) {
				v["payload"].(map[string]any)["avatar"] = "AVATAR01" // an avatar this store lacks
			}),
			func(req *http.Request, status int, body []byte) (int, []byte) {
				if req.URL.Path == "/v1/users/usr_"+pid { // another status on one route
					return http.StatusForbidden, []byte(`{"error":{"code":"forbidden","message":"forbidden"}}`)
				}
				return status, body
			},
		}
		r.edit = func(req *http.Request, status int, body []byte) (int, []byte) {
			for _, e := range edits {
				status, body = e(req, status, body)
			}
			return status, body
		}
		for _, q := range []struct{ dialect, path, token string }{
			{"maarch", "/rest/users", r.adminTok},
			{"edufocus", "/users/@current", r.memberTok},
			{"edufocus", "/users/" + pid, r.adminTok},
			{"usersv1", "/v1/users/usr_" + pid, r.memberTok},
			{"usersv1", "/v1/users/usr_" + r.admin.PublicID, r.adminTok},
			{"eduplatform", "/api/v1/users/user_files", r.memberTok},
		} {
			r.get(t, q.dialect, q.path, q.token)
		}
		rep := r.report(t)
		got := differences(rep)
		slices.Sort(got)
		want := []string{
			"edufocus GET /users/@current payload.nickname missing",
			"edufocus GET /users/{id} payload.avatar type",
			"maarch GET /rest/users users[*].firstname value",
			"usersv1 GET /v1/users/{id} status status",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("differences:\n got %q\nwant %q\n%s", got, want, dump(rep))
		}
		ex := route(rep, "maarch", "GET /rest/users").Differences[0].Examples[0]
		if ex.Upstream != `"Marcel"` || ex.Store != `"Marc"` || ex.Request != "GET /rest/users" {
			t.Fatalf("example %+v", ex)
		}
		if rt := route(rep, "usersv1", "GET /v1/users/{id}"); rt.Outcomes[shadow.OutcomeSame] != 1 || rt.Outcomes[shadow.OutcomeDifferent] != 1 {
			t.Fatalf("users-v1 outcomes %v", rt.Outcomes)
		}
	})
}

// The client gets the upstream's answer byte for byte, whatever this
// store would have said.
func TestShadowClientGetsUpstreamAnswer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		r := newRig(t, url)
		r.edit = editJSON("GET", "/rest/users", func(v map[string]any) { v["legacy"] = true })
		status, body := r.get(t, "maarch", "/rest/users", r.adminTok)
		rec := httptestDo(r, "GET", "/rest/users", r.adminTok)
		if status != rec.status || string(body) != string(rec.body) {
			t.Fatalf("through the shadow %d %s, upstream alone %d %s", status, body, rec.status, rec.body)
		}
		if !strings.Contains(string(body), `"legacy":true`) {
			t.Fatalf("the client did not get the upstream's answer: %s", body)
		}
	})
}

type plain struct {
	status int
	body   []byte
}

// httptestDo asks the upstream directly.
func httptestDo(r *rig, method, path, token string) plain {
	req, _ := http.NewRequest(method, r.upstream.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return plain{status: -1, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return plain{status: resp.StatusCode, body: b}
}
