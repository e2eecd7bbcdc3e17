package shadow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/shadow"
)

// rig is a shadow in front of a stand-in for the legacy system. By default
// the legacy side is a second userbridge on the same database (it speaks
// every dialect exactly, with other signed links since its public URL
// differs), so that without edits the two answers carry the same data;
// edit makes it diverge on purpose. The compared side is the real router.
type rig struct {
	store     *apptest.Env
	legacy    http.Handler
	legacyEnv *apptest.Env
	upstream  *httptest.Server
	hits      atomic.Int64 // requests that reached the upstream
	res       *shadow.Results
	proxies   []*shadow.Proxy
	fronts    map[string]*httptest.Server
	closed    bool

	admin, member       *ent.User
	adminTok, memberTok string
	edit                func(r *http.Request, status int, body []byte) (int, []byte)
}

type rigOption func(*rigConfig)

type rigConfig struct {
	shadow    shadow.Config
	legacyURL string // another database for the legacy side
	storeWrap func(http.Handler) http.Handler
	noUp      bool // the upstream is down
}

func newRig(t *testing.T, dbURL string, opts ...rigOption) *rig {
	t.Helper()
	var rc rigConfig
	for _, o := range opts {
		o(&rc)
	}
	r := &rig{store: apptest.New(t, dbURL), fronts: map[string]*httptest.Server{}}
	r.res = shadow.NewResults(r.store.Metrics, nil)
	r.admin = r.store.Admin(t, "admin@example.com")
	r.member = r.store.User(t, "member@example.com", func(in *accounts.CreateInput) {
		in.FirstName, in.LastName, in.Login = "Marc", "Membre", new("marc")
	})
	r.adminTok, r.memberTok = r.store.Token(t, r.admin), r.store.Token(t, r.member)

	legacyDB := dbURL
	if rc.legacyURL != "" {
		legacyDB = rc.legacyURL
	}
	legacy := apptest.New(t, legacyDB, func(c *app.Config) { c.PublicURL = "http://legacy.test" })
	r.legacy, r.legacyEnv = legacy.Handler, legacy
	r.upstream = httptest.NewServer(http.HandlerFunc(r.serveLegacy))
	t.Cleanup(r.upstream.Close)
	if rc.noUp {
		r.upstream.Close()
	}
	up, _ := url.Parse(r.upstream.URL)

	storeHandler := r.store.Handler
	if rc.storeWrap != nil {
		storeHandler = rc.storeWrap(storeHandler)
	}
	admin := shadow.Admin(r.res, r.store.Auth, promhttp.HandlerFor(r.store.Metrics, promhttp.HandlerOpts{}))
	for _, d := range shadow.Dialects() {
		cfg := rc.shadow
		cfg.Dialect, cfg.Upstream, cfg.Store, cfg.Routes = d, up, storeHandler, r.store.Router()
		p, err := shadow.New(cfg, r.res, admin)
		if err != nil {
			t.Fatalf("shadow.New(%s): %v", d, err)
		}
		r.proxies = append(r.proxies, p)
		r.fronts[d] = httptest.NewServer(p)
	}
	t.Cleanup(func() { r.report(t) })
	return r
}

// serveLegacy is the legacy system: the second userbridge, then edit.
func (r *rig) serveLegacy(w http.ResponseWriter, req *http.Request) {
	r.hits.Add(1)
	rec := httptest.NewRecorder()
	r.legacy.ServeHTTP(rec, req)
	status, body := rec.Code, rec.Body.Bytes()
	if r.edit != nil {
		status, body = r.edit(req, status, body)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// do sends a request through the dialect's shadow.
func (r *rig) do(t *testing.T, dialect, method, path, token string, body io.Reader, ctype string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, r.fronts[dialect].URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := r.fronts[dialect].Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

func (r *rig) get(t *testing.T, dialect, path, token string) (int, []byte) {
	t.Helper()
	s, _, b := r.do(t, dialect, "GET", path, token, nil, "")
	return s, b
}

// report stops the shadows (waiting for every queued comparison) and
// returns the report.
func (r *rig) report(t *testing.T) shadow.Report {
	t.Helper()
	if !r.closed {
		r.closed = true
		for _, f := range r.fronts {
			f.Close()
		}
		for _, p := range r.proxies {
			_ = p.Close()
		}
	}
	return r.res.Snapshot()
}

// route finds a route's row in the report.
func route(rep shadow.Report, dialect, rt string) shadow.RouteReport {
	for _, d := range rep.Dialects {
		if d.Dialect == dialect {
			for _, x := range d.Routes {
				if x.Route == rt {
					return x
				}
			}
		}
	}
	return shadow.RouteReport{}
}

// differences lists "dialect route path kind" of every reported difference.
func differences(rep shadow.Report) []string {
	var out []string
	for _, d := range rep.Dialects {
		for _, rt := range d.Routes {
			for _, p := range rt.Differences {
				for k, n := range p.Kinds {
					for range n {
						out = append(out, d.Dialect+" "+rt.Route+" "+p.Path+" "+k)
					}
				}
			}
		}
	}
	return out
}

func dump(rep shadow.Report) string {
	b, _ := json.MarshalIndent(rep, "", " ")
	return string(b)
}

// editJSON rewrites the legacy answer's JSON on requests matching method
// and path.
func editJSON(method, path string, fn func(v map[string]any)) func(*http.Request, int, []byte) (int, []byte) {
	return func(r *http.Request, status int, body []byte) (int, []byte) {
		if r.Method != method || r.URL.Path != path {
			return status, body
		}
		var v map[string]any
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return status, body
		}
		fn(v)
		b, _ := json.Marshal(v)
		return status, b
	}
}

func multipartFile(name, content string) (io.Reader, string) {
	var b bytes.Buffer
	b.WriteString("--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\n" +
		"Content-Type: application/json\r\n\r\n" + content + "\r\n--X--\r\n")
	return &b, "multipart/form-data; boundary=X"
}

// heldIDs is an IDs backed by the real store: a Maarch or education
// platform id is held when a user has it as primary key, an edu-focus or
// users-v1 id when a user has it as public id (the ids the store derives,
// the only ones it holds until legacy ids are imported).
type heldIDs struct{ c *ent.Client }

func (h heldIDs) Imported(ctx context.Context, dialect, id string) (bool, error) {
	switch dialect {
	case "maarch", "eduplatform":
		var n int
		for _, c := range id {
			if c < '0' || c > '9' {
				return false, nil
			}
			n = n*10 + int(c-'0')
		}
		return h.c.User.Query().Where(user.ID(n)).Exist(ctx)
	}
	return h.c.User.Query().Where(user.PublicID(strings.TrimPrefix(id, "usr_"))).Exist(ctx)
}
