package oauth_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// tokenCall posts a form to the token endpoint, with HTTP Basic when id is
// set, and returns the status and body.
func (w *world) tokenCall(t testing.TB, id, secret string, form url.Values) (int, string) {
	t.Helper()
	return w.formCall(t, "/oauth/token", id, secret, form)
}

func (w *world) formCall(t testing.TB, path, id, secret string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(id, secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestTokenEndpointErrors: each RFC 6749 error of the token endpoint, with
// its status and exact JSON body.
func TestTokenEndpointErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		conf, secret := w.app(t, accounts.AppInput{Name: "Confidential"})
		pub, _ := w.app(t, accounts.AppInput{Name: "Public", Public: true})
		cases := []struct {
			name       string
			id, secret string
			form       url.Values
			status     int
			body       string
		}{
			{"invalid_request: no grant_type", conf.ClientID, secret, url.Values{"scope": {"identity"}}, 400, `{"error":"invalid_request","error_description":"The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed. Request parameter 'grant_type' is missing"}`},
			{"invalid_client: wrong secret", conf.ClientID, "wrong-secret", url.Values{"grant_type": {"client_credentials"}}, 401, `{"error":"invalid_client","error_description":"Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."}`},
			{"invalid_client: unknown client", "0123456789abcdef0123456789abcdef", secret, url.Values{"grant_type": {"client_credentials"}}, 401, `{"error":"invalid_client","error_description":"Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)."}`},
			{"invalid_grant: unknown code", conf.ClientID, secret, url.Values{"grant_type": {"authorization_code"},
				"code": {"ubc_nope"}, "redirect_uri": {redirectURI}}, 400, `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."}`},
			{"invalid_grant: unknown refresh token", conf.ClientID, secret, url.Values{"grant_type": {"refresh_token"},
				"refresh_token": {"ubr_nope"}}, 400, `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client. The refresh token is malformed or not valid."}`},
			{"unauthorized_client: a public client alone", "", "", url.Values{"grant_type": {"client_credentials"},
				"client_id": {pub.ClientID}}, 400, `{"error":"unauthorized_client","error_description":"The client is not authorized to request a token using this method. The client may not use the grant type 'client_credentials'."}`},
			{"unsupported_grant_type: password", conf.ClientID, secret, url.Values{"grant_type": {"password"},
				"username": {"ada@example.com"}, "password": {"password123"}}, 400, `{"error":"unsupported_grant_type","error_description":"The authorization grant type is not supported by the authorization server. The grant type 'password' is not supported."}`},
			{"invalid_scope: an application alone never modifies", conf.ClientID, secret, url.Values{"grant_type": {"client_credentials"},
				"scope": {"identity modify"}}, 400, `{"error":"invalid_scope","error_description":"The requested scope is invalid, unknown, or malformed. An application acting alone may hold only the scopes identity, email, personal."}`},
			{"invalid_scope: a scope the application may not ask", conf.ClientID, secret, url.Values{"grant_type": {"client_credentials"},
				"scope": {"files"}}, 400, `{"error":"invalid_scope","error_description":"The requested scope is invalid, unknown, or malformed. The OAuth 2.0 Client is not allowed to request scope 'files'."}`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				st, body := w.tokenCall(t, c.id, c.secret, c.form)
				if st != c.status || body != c.body {
					t.Errorf("got %d\n%s\nwant %d\n%s", st, body, c.status, c.body)
				}
			})
		}
	})
}
