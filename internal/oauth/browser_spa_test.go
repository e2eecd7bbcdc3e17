package oauth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"userbridge/internal/app"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
	"userbridge/playground/browsertest"
)

// spaPage is the single-page application: oidc-client-ts with the
// settings docs/signing-in.md gives, on its own origin. After the sign-in
// it shows the profile from userinfo and what GraphQL says of the viewer
// with the access token; "Sign out" is RP-initiated logout.
const spaPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>Notes SPA</title>
<script src="/oidc-client-ts.min.js"></script></head>
<body><h1>Notes SPA</h1><p id="state">loading</p>
<button id="login">Sign in</button> <button id="logout">Sign out</button>
<pre id="out"></pre>
<script>
const mgr = new oidc.UserManager({
  authority: %q, client_id: %q,
  redirect_uri: location.origin + "/callback", post_logout_redirect_uri: location.origin + "/bye",
  response_type: "code", scope: "openid email profile identity", loadUserInfo: true,
});
const out = (s) => { document.getElementById("out").textContent += s + "\n"; };
document.getElementById("login").onclick = () => mgr.signinRedirect();
document.getElementById("logout").onclick = () => mgr.signoutRedirect();
(async () => {
  try {
    if (location.pathname === "/callback") {
      const user = await mgr.signinCallback();
      out("userinfo: " + user.profile.email + " " + user.profile.preferred_username);
      const res = await fetch(%q + "/graphql", { method: "POST",
        headers: { "Authorization": "Bearer " + user.access_token, "Content-Type": "application/json" },
        body: JSON.stringify({ query: "{ viewer { email } }" }) });
      const body = await res.json();
      out("graphql: " + body.data.viewer.email);
    } else if (location.pathname === "/bye") {
      await mgr.removeUser();
      out("signed out");
    }
    document.getElementById("state").textContent = "ready";
  } catch (e) {
    out("failed: " + e);
  }
})();
</script></body></html>`

// TestBrowserSinglePageApplication (issue 29): a real single-page
// application built with the npm package oidc-client-ts, served from
// another origin, signs in through the screens in headless Chromium
// (discovery, PKCE, the token endpoint over CORS), reads userinfo, calls
// GraphQL with the access token, and signs out (RP-initiated logout back
// to its registered URI).
func TestBrowserSinglePageApplication(t *testing.T) {
	lib, err := os.ReadFile("testdata/oidc-client-ts/oidc-client-ts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	spa := httptest.NewUnstartedServer(nil)
	spaOrigin := "http://" + spa.Listener.Addr().String()
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) { c.CORSOrigins = []string{spaOrigin} })
	a, _ := w.app(t, accounts.AppInput{Name: "Notes SPA", Public: true, Verified: true,
		RedirectURIs: []string{spaOrigin + "/callback"}, PostLogoutRedirectURIs: []string{spaOrigin + "/bye"},
		AllowedOrigins: []string{spaOrigin}})
	spa.Config.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oidc-client-ts.min.js" {
			rw.Header().Set("Content-Type", "text/javascript")
			_, _ = rw.Write(lib)
			return
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, spaPage, w.base, a.ClientID, w.base)
	})
	spa.Start()
	defer spa.Close()

	browsertest.RunSteps(t, spaOrigin+"/", 90*time.Second,
		browsertest.Step{In: "#state", WaitFor: "ready"},
		browsertest.Step{Click: "#login", In: "h1", WaitFor: "Sign in"},
		browsertest.Step{Fill: map[string]string{"#email": w.user.Email, "#password": "password123"}, Click: "#signin",
			In: "h1", WaitFor: "Authorize Notes SPA"},
		browsertest.Step{Click: "#allow", In: "#out", WaitFor: "graphql: ada@example.com", FailOn: "failed"},
		browsertest.Step{Click: "#logout", In: "#out", WaitFor: "signed out", FailOn: "failed"},
	)
}
