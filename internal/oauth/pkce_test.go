package oauth_test

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestFailedPKCEExchangeSpendsNothing: an exchange refused for its
// verifier (wrong, or missing) leaves the code as it was: still bound to
// its challenge, so that a retry without a verifier is refused too (the
// challenge is not dropped by the first failure), and still valid for the
// right verifier, which is not told "Unable to find initial PKCE data".
// Only a successful exchange spends a code.
func TestFailedPKCEExchangeSpendsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		for _, public := range []bool{false, true} {
			name := map[bool]string{false: "confidential", true: "public"}[public]
			t.Run(name, func(t *testing.T) {
				a, secret := w.app(t, accounts.AppInput{Name: "Notes " + name, Public: public})
				conf := w.config(a, secret, "identity")
				verifier := oauth2.GenerateVerifier()
				code := w.authorize(t, newBrowser(t), conf, oauth2.S256ChallengeOption(verifier))
				exchange := func(v string) (int, string) {
					form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
					if v != "" {
						form.Set("code_verifier", v)
					}
					if public {
						form.Set("client_id", a.ClientID)
						return w.tokenCall(t, "", "", form)
					}
					return w.tokenCall(t, a.ClientID, secret, form)
				}
				wantRefused := func(what, hint string, st int, body string) {
					t.Helper()
					if st != 400 || oauthError(body) != "invalid_grant" || !strings.Contains(body, hint) {
						t.Errorf("%s: %d %s, want invalid_grant %q", what, st, body, hint)
					}
				}
				st, body := exchange(oauth2.GenerateVerifier())
				wantRefused("a wrong verifier", "The PKCE code challenge did not match the code verifier.", st, body)
				st, body = exchange("")
				wantRefused("then no verifier", "The PKCE code verifier must be at least 43 characters.", st, body)
				st, body = exchange(verifier)
				if st != 200 || !strings.Contains(body, `"access_token":"uba_`) {
					t.Fatalf("then the right verifier: %d %s", st, body)
				}
				st, body = exchange(verifier)
				wantRefused("the right verifier once more", "The authorization code has already been used.", st, body)
			})
		}
	})
}
