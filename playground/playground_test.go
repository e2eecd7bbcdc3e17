package playground

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// newServer mounts the playground the way the doc comment tells callers to.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	h := Handler("/graphql")
	mux.Handle("/graphiql", h)
	mux.Handle("/graphiql/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches url and returns the response with its body read.
func get(t *testing.T, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

var (
	assetLink = regexp.MustCompile(`(?:href|src)="([^"]+)"`)
	anyURL    = regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+`)
)

func TestPageIsSelfContained(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{"/graphiql", "/graphiql/"} {
		t.Run(path, func(t *testing.T) {
			res, body := get(t, srv.URL+path, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
			html := string(body)
			if !strings.Contains(html, "<title>userbridge GraphiQL</title>") {
				t.Error("title missing")
			}
			if !strings.Contains(html, `data-endpoint="/graphql"`) {
				t.Error("endpoint missing")
			}
			if u := anyURL.FindString(html); u != "" {
				t.Errorf("page references another origin: %q", u)
			}
			var links []string
			for _, m := range assetLink.FindAllStringSubmatch(html, -1) {
				if !strings.HasPrefix(m[1], "data:") {
					links = append(links, m[1])
				}
			}
			want := []string{"/graphiql/assets/graphiql.css?v=", "/graphiql/assets/graphiql.js?v="}
			if len(links) != len(want) {
				t.Fatalf("links %q, want prefixes %q", links, want)
			}
			for i, l := range links {
				if !strings.HasPrefix(l, want[i]) {
					t.Errorf("link %q, want prefix %q", l, want[i])
				}
			}
			csp := res.Header.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("CSP %q lacks %q", csp, d)
				}
			}
			if strings.Contains(csp, "http") {
				t.Errorf("CSP allows a remote origin: %q", csp)
			}
		})
	}
}

func TestPageBehindStripPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/graphiql/", http.StripPrefix("/graphiql", Handler("/graphql")))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	_, body := get(t, srv.URL+"/graphiql/", nil)
	m := regexp.MustCompile(`src="([^"]+)"`).FindSubmatch(body)
	if m == nil || !bytes.HasPrefix(m[1], []byte("/graphiql/assets/graphiql.js?v=")) {
		t.Fatalf("script link %q", m)
	}
	res, _ := get(t, srv.URL+string(m[1]), nil)
	if res.StatusCode != http.StatusOK {
		t.Errorf("script via StripPrefix: status %d", res.StatusCode)
	}
}

func TestAssets(t *testing.T) {
	srv := newServer(t)
	_, page := get(t, srv.URL+"/graphiql", nil)
	for _, tc := range []struct {
		name, contentType string
		minSize           int
	}{
		{"graphiql.js", "text/javascript", 500_000},
		{"graphiql.css", "text/css", 50_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			link := regexp.MustCompile(`"(/graphiql/assets/` + regexp.QuoteMeta(tc.name) + `\?v=[0-9a-f]+)"`).FindSubmatch(page)
			if link == nil {
				t.Fatalf("page does not link %s", tc.name)
			}
			res, body := get(t, srv.URL+string(link[1]), nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
				t.Errorf("Content-Type %q, want %s", ct, tc.contentType)
			}
			if len(body) < tc.minSize {
				t.Errorf("%d bytes, want at least %d", len(body), tc.minSize)
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
				t.Errorf("Cache-Control %q", cc)
			}
			etag := res.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			res, _ = get(t, srv.URL+"/graphiql/assets/"+tc.name, http.Header{"If-None-Match": {etag}})
			if res.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation: status %d", res.StatusCode)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("unversioned Cache-Control %q", cc)
			}
		})
	}
}

func TestUnknownAssetIsNotFound(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{"/graphiql/assets/nope.js", "/graphiql/assets/", "/graphiql/assets/graphiql.js/x"} {
		if res, _ := get(t, srv.URL+path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
	}
}

func TestBundleHasNoCDN(t *testing.T) {
	for _, name := range []string{"dist/graphiql.js", "dist/graphiql.css"} {
		body, err := dist.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, cdn := range []string{"https://unpkg", "cdn.jsdelivr", "cdnjs.", "esm.sh", "fonts.googleapis"} {
			if bytes.Contains(body, []byte(cdn)) {
				t.Errorf("%s contains %q", name, cdn)
			}
		}
	}
}

func TestRemoteEndpointIsAllowedByCSP(t *testing.T) {
	csp := contentSecurityPolicy("https://api.example.com/graphql")
	if !strings.Contains(csp, "connect-src 'self' https://api.example.com wss://api.example.com;") {
		t.Errorf("CSP %q", csp)
	}
}

// The bundle carries the WebSocket client that runs subscriptions, speaking
// the one protocol the server accepts (TestPlaygroundSubscription runs it
// in a browser).
func TestBundleHasSubscriptionClient(t *testing.T) {
	srv := newServer(t)
	res, err := http.Get(srv.URL + "/graphiql/assets/graphiql.js")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"graphql-transport-ws", "connection_init", "wss:"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("served bundle lacks %q", want)
		}
	}
}
