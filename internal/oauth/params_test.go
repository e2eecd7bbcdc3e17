package oauth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// rawCall posts body (already encoded, so that it may repeat a parameter)
// to path?query, with HTTP Basic when id is set.
func (w *world) rawCall(t testing.TB, path, query, body, id, secret string) (int, string) {
	t.Helper()
	u := w.base + path
	if query != "" {
		u += "?" + query
	}
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(id, secret)
	}
	p := newBrowser(t).do(req)
	return p.status, p.body
}

const repeatedBody = `{"error":"invalid_request","error_description":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed. The parameter '%s' is included more than once."}`

// TestRepeatedParametersAreRefused: RFC 6749 section 3.1, "request and
// response parameters MUST NOT be included more than once". A repeated
// client_id or redirect_uri at the authorization endpoint is an error page
// (which one would the server trust to redirect to?); another repeated
// parameter goes back to the application as invalid_request. The token,
// revocation and introspection endpoints answer invalid_request.
func TestRepeatedParametersAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a, secret := w.app(t, accounts.AppInput{Name: "Notes"})
		other, _ := w.app(t, accounts.AppInput{Name: "Other", RedirectURIs: []string{"https://evil.example/cb"}})
		pub, _ := w.app(t, accounts.AppInput{Name: "Mobile", Public: true})
		conf := w.config(a, secret, "identity")

		t.Run("authorize: a repeated client_id or redirect_uri is an error page, never a redirect", func(t *testing.T) {
			for name, extra := range map[string]string{
				"client_id":    "&client_id=" + other.ClientID,
				"redirect_uri": "&redirect_uri=" + url.QueryEscape("https://evil.example/cb"),
			} {
				p := newBrowser(t).get(conf.AuthCodeURL("state-1234567890") + extra)
				if p.status != 400 || p.location != "" || !strings.Contains(p.body, "invalid_request") ||
					!strings.Contains(p.body, "The parameter &#39;"+name+"&#39; is included more than once.") {
					t.Errorf("%s twice: %d %q %s", name, p.status, p.location, p.body)
				}
			}
		})
		t.Run("authorize: a client_id in the consent form's body beside the query's is an error page", func(t *testing.T) {
			p := newBrowser(t).post(conf.AuthCodeURL("state-1234567890"), url.Values{"client_id": {other.ClientID}})
			if p.status != 400 || p.location != "" || !strings.Contains(p.body, "included more than once") {
				t.Errorf("%d %q %s", p.status, p.location, p.body)
			}
		})
		t.Run("authorize: another repeated parameter goes back to the application as invalid_request", func(t *testing.T) {
			for _, extra := range []string{"&scope=email", "&response_type=code", "&code_challenge=" + strings.Repeat("b", 43),
				"&code_challenge_method=S256", "&prompt=none"} {
				p := newBrowser(t).get(conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
					oauth2.SetAuthURLParam("prompt", "consent")) + extra)
				q := callback(t, p)
				if q.Get("error") != "invalid_request" || q.Get("state") != "state-1234567890" || q.Get("code") != "" ||
					!strings.Contains(q.Get("error_description"), "included more than once") {
					t.Errorf("%s: %v", extra, q)
				}
			}
		})
		t.Run("authorize: a repeated state is refused", func(t *testing.T) {
			p := newBrowser(t).get(conf.AuthCodeURL("state-1234567890") + "&state=state-0987654321")
			if q := callback(t, p); q.Get("error") != "invalid_request" || q.Get("code") != "" {
				t.Errorf("%v", q)
			}
		})

		code := func(t *testing.T) (string, string) {
			v := oauth2.GenerateVerifier()
			return w.authorize(t, newBrowser(t), conf, oauth2.S256ChallengeOption(v)), v
		}
		t.Run("token: each repeated parameter is invalid_request and spends nothing", func(t *testing.T) {
			c, v := code(t)
			good := url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {redirectURI},
				"code_verifier": {v}}.Encode()
			for _, c := range []struct {
				name, extra string
				basic       bool
			}{
				{"grant_type", "grant_type=client_credentials", true},
				{"code", "code=ubc_other", true},
				{"redirect_uri", "redirect_uri=" + url.QueryEscape(redirectURI), true},
				{"code_verifier", "code_verifier=" + v, true},
				{"scope", "scope=identity&scope=email", true},
				{"client_id", "client_id=" + a.ClientID + "&client_id=" + a.ClientID, true},
				{"client_secret", "client_id=" + a.ClientID + "&client_secret=" + secret + "&client_secret=x", false},
			} {
				id := ""
				if c.basic {
					id = a.ClientID
				}
				if st, got := w.rawCall(t, "/oauth/token", "", good+"&"+c.extra, id, secret); st != 400 || got != strings.Replace(repeatedBody, "%s", c.name, 1) {
					t.Errorf("%s twice: %d %s", c.name, st, got)
				}
			}
			// The same parameter in the query and the body is repeated too.
			if st, got := w.rawCall(t, "/oauth/token", "code="+c, good, a.ClientID, secret); st != 400 || got != strings.Replace(repeatedBody, "%s", "code", 1) {
				t.Errorf("code in the query and the body: %d %s", st, got)
			}
			// Nothing was spent: the code still works once.
			if st, got := w.rawCall(t, "/oauth/token", "", good, a.ClientID, secret); st != 200 {
				t.Errorf("the code after the refusals: %d %s", st, got)
			}
		})
		t.Run("token: a public client's repeated client_id is invalid_request", func(t *testing.T) {
			body := "grant_type=refresh_token&refresh_token=ubr_x&client_id=" + pub.ClientID + "&client_id=" + a.ClientID
			if st, got := w.rawCall(t, "/oauth/token", "", body, "", ""); st != 400 || got != strings.Replace(repeatedBody, "%s", "client_id", 1) {
				t.Errorf("%d %s", st, got)
			}
		})
		t.Run("revoke and introspect: a repeated token is invalid_request", func(t *testing.T) {
			for _, path := range []string{"/oauth/revoke", "/oauth/introspect"} {
				if st, got := w.rawCall(t, path, "", "token=uba_a&token=uba_b", a.ClientID, secret); st != 400 || oauthError(got) != "invalid_request" {
					t.Errorf("%s: %d %s", path, st, got)
				}
			}
		})
	})
}

// TestClientIDInTheBodyMustBeTheBasicOne: a client authenticated with HTTP
// Basic may repeat its client_id in the body, but another client_id there
// is refused (which client is asking?), and so is a client_secret in the
// body beside Basic: RFC 6749 section 2.3, one authentication method per
// request.
func TestClientIDInTheBodyMustBeTheBasicOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a, secret := w.app(t, accounts.AppInput{Name: "Notes"})
		other, otherSecret := w.app(t, accounts.AppInput{Name: "Other"})
		for _, c := range []struct {
			name   string
			form   url.Values
			status int
			body   string
		}{
			{"its own client_id is accepted", url.Values{"grant_type": {"client_credentials"}, "client_id": {a.ClientID}}, 200, ""},
			{"another client_id is invalid_request", url.Values{"grant_type": {"client_credentials"}, "client_id": {other.ClientID}}, 400,
				`{"error":"invalid_request","error_description":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed. The client_id in the body is not the client of HTTP Basic authentication."}`},
			{"another client's id and secret are invalid_request", url.Values{"grant_type": {"client_credentials"}, "client_id": {other.ClientID},
				"client_secret": {otherSecret}}, 400, `{"error":"invalid_request","error_description":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed. The client_id in the body is not the client of HTTP Basic authentication."}`},
			{"a client_secret beside Basic is invalid_request", url.Values{"grant_type": {"client_credentials"}, "client_secret": {secret}}, 400,
				`{"error":"invalid_request","error_description":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed. The client authenticated with HTTP Basic and with client_secret in the body: use one method."}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				st, body := w.tokenCall(t, a.ClientID, secret, c.form)
				if st != c.status || (c.body != "" && body != c.body) {
					t.Errorf("got %d %s, want %d %s", st, body, c.status, c.body)
				}
			})
		}
		t.Run("revoke: another client_id in the body is invalid_request", func(t *testing.T) {
			st, body := w.formCall(t, "/oauth/revoke", a.ClientID, secret, url.Values{"token": {"ubr_x"}, "client_id": {other.ClientID}})
			if st != 400 || oauthError(body) != "invalid_request" {
				t.Errorf("%d %s", st, body)
			}
		})
	})
}
