package oauth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
	"userbridge/playground/browsertest"
)

// TestBrowserSignIn drives the screens in headless Chromium as a person
// would: the application (a server of its own, using golang.org/x/oauth2
// with PKCE) sends the browser to /oauth/authorize; the user types an
// e-mail and password on the sign-in page, approves on the consent page,
// and the browser follows the redirect back to the application, which
// exchanges the code and shows whom it signed in. The pages' CSP must let
// all of that happen (browsertest fails on any violation).
func TestBrowserSignIn(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite))
	var conf *oauth2.Config
	verifier := oauth2.GenerateVerifier()
	client := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("state") != "browser-state-123" {
			http.Error(rw, "bad state", 400)
			return
		}
		tok, err := conf.Exchange(r.Context(), r.URL.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			http.Error(rw, "exchange failed: "+err.Error(), 500)
			return
		}
		_, body := w.api(t, "GET", "/users/@current", tok.AccessToken)
		payload, _ := body["payload"].(map[string]any)
		fmt.Fprintf(rw, "<!doctype html><title>Notes</title><p>signed in as %v</p>", payload["email"])
	}))
	defer client.Close()
	a, secret := w.app(t, accounts.AppInput{Name: "Notes", Verified: true, RedirectURIs: []string{client.URL + "/callback"}})
	conf = w.config(a, secret, "identity", "email")
	conf.RedirectURL = client.URL + "/callback"

	browsertest.RunSteps(t, conf.AuthCodeURL("browser-state-123", oauth2.S256ChallengeOption(verifier)), 60*time.Second,
		browsertest.Step{In: "h1", WaitFor: "Sign in"},
		browsertest.Step{Fill: map[string]string{"#email": w.user.Email, "#password": "password123"}, Click: "#signin",
			In: "h1", WaitFor: "Authorize Notes"},
		browsertest.Step{Click: "#allow", In: "body", WaitFor: "signed in as ada@example.com", FailOn: "failed"},
	)
}
