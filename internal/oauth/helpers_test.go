package oauth_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"userbridge/ent"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
)

// redirectURI is where the test applications get their codes: a loopback
// URL that nothing serves; the browser stops there.
const redirectURI = "http://127.0.0.1/callback"

// world is the real service behind a real listener (the OAuth client
// library talks HTTP), with a user and applications.
type world struct {
	*apptest.Env
	base string
	user *ent.User
}

func newWorld(t testing.TB, dbURL string, options ...func(*app.Config)) *world {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	e := apptest.New(t, dbURL, append([]func(*app.Config){func(c *app.Config) { c.PublicURL = base }}, options...)...)
	srv.Config.Handler = e.Handler
	srv.Start()
	t.Cleanup(srv.Close)
	w := &world{Env: e, base: base}
	w.user = e.User(t, "ada@example.com")
	return w
}

// app registers an application; its secret is empty when public.
func (w *world) app(t testing.TB, in accounts.AppInput) (*ent.Application, string) {
	t.Helper()
	if in.Name == "" {
		in.Name = "Notes"
	}
	if in.RedirectURIs == nil {
		in.RedirectURIs = []string{redirectURI}
	}
	if in.Scopes == nil {
		in.Scopes = []string{"identity", "email", "personal", "modify"}
	}
	a, secret, err := w.Accounts.CreateApplication(context.Background(), in)
	if err != nil {
		t.Fatalf("creating application: %v", err)
	}
	return a, secret
}

// config is the golang.org/x/oauth2 configuration of an application.
func (w *world) config(a *ent.Application, secret string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: a.ClientID, ClientSecret: secret, RedirectURL: redirectURI, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: w.base + "/oauth/authorize", TokenURL: w.base + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// browser is a user agent with cookies that stops at the application's
// redirect URI instead of following it.
type browser struct {
	t testing.TB
	*http.Client
	lang string
}

func newBrowser(t testing.TB) *browser {
	return newBrowserStoppingAt(t, redirectURI)
}

// newBrowserStoppingAt is a browser that stops at any URL beginning with
// prefix (an application's redirect URI).
func newBrowserStoppingAt(t testing.TB, prefix string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, Client: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), prefix) {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

// page is a response read whole.
type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	res, err := b.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, body: string(body), location: res.Header.Get("Location"), header: res.Header}
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) page {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
var actionRe = regexp.MustCompile(`<form method="post" action="([^"]*)">`)

// fields returns the hidden fields of the page's form.
func (p page) fields() url.Values {
	v := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(p.body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

func (p page) action() string {
	m := actionRe.FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// signIn fills the login page p with the user's password.
func (b *browser) signIn(base string, p page, email, password string) page {
	b.t.Helper()
	if p.status != 200 || !strings.Contains(p.body, `action="/oauth/login"`) {
		b.t.Fatalf("expected the login page, got %d %s", p.status, p.body)
	}
	f := p.fields()
	f.Set("email", email)
	f.Set("password", password)
	return b.post(base+"/oauth/login", f)
}

// decide answers the consent page p.
func (b *browser) decide(base string, p page, decision string) page {
	b.t.Helper()
	if p.status != 200 || !strings.Contains(p.body, `name="decision"`) {
		b.t.Fatalf("expected the consent page, got %d %s", p.status, p.body)
	}
	f := p.fields()
	f.Set("decision", decision)
	return b.post(base+p.action(), f)
}

// callback parses the redirect to the application.
func callback(t testing.TB, p page) url.Values {
	t.Helper()
	if p.status != http.StatusSeeOther && p.status != http.StatusFound || !strings.HasPrefix(p.location, redirectURI+"?") {
		t.Fatalf("expected a redirect to the application, got %d %q %s", p.status, p.location, p.body)
	}
	u, _ := url.Parse(p.location)
	return u.Query()
}

// authorize runs the screens for conf: sign in, approve; it returns the
// code the application receives.
func (w *world) authorize(t testing.TB, b *browser, conf *oauth2.Config, opts ...oauth2.AuthCodeOption) string {
	t.Helper()
	p := b.get(conf.AuthCodeURL("state-1234567890", opts...))
	p = b.signIn(w.base, p, w.user.Email, "password123")
	q := callback(t, b.decide(w.base, p, "allow"))
	if q.Get("state") != "state-1234567890" {
		t.Fatalf("state = %q", q.Get("state"))
	}
	return q.Get("code")
}

// clientCredentials asks the token endpoint for a client credentials token.
type clientCredentials struct {
	w          *world
	id, secret string
}

func (c *clientCredentials) token(t testing.TB) (string, error) {
	t.Helper()
	cc := &clientcredentials.Config{ClientID: c.id, ClientSecret: c.secret, TokenURL: c.w.base + "/oauth/token",
		AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cc.Token(context.Background())
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

func hashOf(token string) string { return auth.HashSecret(token) }
