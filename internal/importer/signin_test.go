package importer_test

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

	"userbridge/internal/app"
	"userbridge/internal/rules/accounts"
)

// screenRedirect is where the test application's codes go.
const screenRedirect = "https://notes.example.org/callback"

// newServedEnv is an env whose router also listens on a real HTTP server,
// at the public URL the OAuth screens link to.
func newServedEnv(t *testing.T, dbURL string) (*env, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	e := newEnv(t, dbURL, func(c *app.Config) { c.PublicURL = base })
	srv.Config.Handler = e.Handler
	srv.Start()
	t.Cleanup(srv.Close)
	return e, base
}

var (
	screenHidden = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
	screenAction = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
)

// screenPage is a response of the OAuth screens, read whole.
type screenPage struct {
	status         int
	body, location string
}

func (p screenPage) form() (string, url.Values) {
	v := url.Values{}
	for _, m := range screenHidden.FindAllStringSubmatch(p.body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	action := ""
	if m := screenAction.FindStringSubmatch(p.body); m != nil {
		action = html.UnescapeString(m[1])
	}
	return action, v
}

// screenSignIn signs email in with password on the OAuth screens, as a
// browser does (authorize, sign-in form, consent), for an application it
// registers; it tells whether the application received a code.
func (e *env) screenSignIn(t *testing.T, base, email, password string) bool {
	t.Helper()
	a, _, err := e.Accounts.CreateApplication(context.Background(), accounts.AppInput{Name: "Notes",
		RedirectURIs: []string{screenRedirect}, Scopes: []string{"identity"}})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), screenRedirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	do := func(method, u string, form url.Values) screenPage {
		req, _ := http.NewRequest(method, u, strings.NewReader(form.Encode()))
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return screenPage{res.StatusCode, string(body), res.Header.Get("Location")}
	}
	q := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}, "redirect_uri": {screenRedirect},
		"scope": {"identity"}, "state": {"state-1234567890"}}
	p := do(http.MethodGet, base+"/oauth/authorize?"+q.Encode(), nil)
	if p.status != http.StatusOK || !strings.Contains(p.body, `action="/oauth/login"`) {
		t.Fatalf("expected the sign-in page, got %d %s", p.status, p.body)
	}
	_, f := p.form()
	f.Set("email", email)
	f.Set("password", password)
	p = do(http.MethodPost, base+"/oauth/login", f)
	if strings.Contains(p.body, `name="decision"`) {
		action, f := p.form()
		f.Set("decision", "allow")
		p = do(http.MethodPost, base+action, f)
	}
	if p.status != http.StatusFound && p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, screenRedirect+"?") {
		return false
	}
	u, _ := url.Parse(p.location)
	return u.Query().Get("code") != ""
}

// graphQLSignIn signs email in with password through GraphQL's login.
func (e *env) graphQLSignIn(t *testing.T, email, password string) bool {
	t.Helper()
	res := e.GraphQL(t, "", `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
		map[string]any{"e": email, "p": password})
	return len(res.Errors) == 0
}
