package oauth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
	"userbridge/playground/browsertest"
)

// narrowWidth is the narrowest phone screen the screens must fit
// (issue 29): nothing may need sideways scrolling at this width.
const narrowWidth = 360

// fitsNarrow is a JavaScript expression for the page on show: its <h1>,
// then "fits" when neither the page nor any visible control, heading,
// paragraph or list item reaches past the right (or left) edge of a
// narrowWidth viewport, or "overflow:" and the offenders. It says
// "loading" until the stylesheet has applied (readyState "complete"), and
// "screen" if the tab is not a narrowWidth wide phone, so a desktop-sized
// tab cannot pass.
var fitsNarrow = fmt.Sprintf(`(() => {
  const max = %d;
  if (document.readyState !== "complete") return "loading";
  if (screen.width !== max) return "screen " + screen.width;
  const h1 = document.querySelector("h1");
  const bad = [];
  // A phone zooms out a page wider than its screen, widening the viewport.
  if (window.innerWidth > max) bad.push("page zoomed out to " + window.innerWidth);
  const sw = document.documentElement.scrollWidth;
  if (sw > max) bad.push("page scrollWidth " + sw);
  for (const el of document.querySelectorAll("input, button, select, textarea, a, h1, h2, p, li, dt, dd, code, strong")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > max || r.left < 0) {
      bad.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + Math.round(r.left) + ".." + Math.round(r.right));
    }
  }
  return (h1 ? h1.innerText : "") + " | " + (bad.length ? "overflow: " + bad.join(", ") : "fits");
})()`, narrowWidth)

// focused is a JavaScript expression naming the focused element by id.
const focused = `"focus #" + (document.activeElement ? document.activeElement.id : "")`

// TestScreensFitNarrowScreen (issue 29): in headless Chromium with a
// 360 px wide phone viewport, the sign-in screen (before and after a wrong
// password), the consent screen and the account page (before and after a
// wrong current password) need no sideways scrolling, even with a long
// e-mail address and application name; and a wrong password puts the
// cursor in the password field, so the person can type again at once.
func TestScreensFitNarrowScreen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		// Long words are what overflow a narrow screen: an e-mail address
		// and an application name cannot break at spaces.
		user := w.User(t, "firstname.middlename.lastname-family@department.example-university.edu")
		client := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(rw, "<!doctype html><title>back</title><p>back at the application, code %t</p>", r.URL.Query().Get("code") != "")
		}))
		defer client.Close()
		a, secret := w.app(t, accounts.AppInput{Name: "InternationalisationAndLocalisationWorkbench Notes", Verified: true,
			RedirectURIs: []string{client.URL + "/callback"}})
		conf := w.config(a, secret, "identity", "email", "personal", "modify")
		conf.RedirectURL = client.URL + "/callback"

		fits := func(h1 string) string { return h1 + " | fits" }
		texts := browsertest.RunStepsAt(t, conf.AuthCodeURL("narrow-state"), browsertest.Viewport{Width: narrowWidth, Height: 640}, 90*time.Second,
			browsertest.Step{Eval: fitsNarrow, WaitFor: fits("Sign in"), FailOn: "overflow"},
			browsertest.Step{Fill: map[string]string{"#email": user.Email, "#password": "wrong-password"}, Click: "#signin",
				Eval: `(document.getElementById("login-error") ? "error shown, " : "") + ` + focused, WaitFor: "error shown, focus #password"},
			browsertest.Step{Eval: fitsNarrow, WaitFor: fits("Sign in"), FailOn: "overflow"},
			browsertest.Step{Fill: map[string]string{"#password": "password123"}, Click: "#signin",
				Eval: fitsNarrow, WaitFor: fits("Authorize InternationalisationAndLocalisationWorkbench Notes"), FailOn: "overflow"},
			browsertest.Step{Click: "#allow", In: "body", WaitFor: "back at the application, code true"},
			browsertest.Step{NewTab: w.base + "/account", Eval: fitsNarrow, WaitFor: fits("Your account"), FailOn: "overflow"},
			browsertest.Step{Eval: `document.body.innerText`, WaitFor: "InternationalisationAndLocalisationWorkbench Notes"},
			browsertest.Step{Fill: map[string]string{"#current_password": "wrong-password", "#new_password": "a new password 456",
				"#new_password_again": "a new password 456"}, Click: "#change-password",
				Eval: `(document.getElementById("password-error") ? "error shown, " : "") + ` + focused, WaitFor: "error shown, focus #current_password"},
			browsertest.Step{Eval: fitsNarrow, WaitFor: fits("Your account"), FailOn: "overflow"},
		)
		if !strings.Contains(texts[6], user.Email) {
			t.Errorf("account page does not show %s:\n%s", user.Email, texts[6])
		}
	})
}

// TestAccountSignInFocusNarrowScreen (issue 29): the account page's own
// sign-in screen fits the phone too, and a wrong password leaves the
// e-mail address typed and the cursor in the password field.
func TestAccountSignInFocusNarrowScreen(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite))
	browsertest.RunStepsAt(t, w.base+"/account", browsertest.Viewport{Width: narrowWidth, Height: 640}, 60*time.Second,
		browsertest.Step{Eval: fitsNarrow + ` + ", " + ` + focused, WaitFor: "Sign in | fits, focus #email", FailOn: "overflow"},
		browsertest.Step{Fill: map[string]string{"#email": w.user.Email, "#password": "wrong-password"}, Click: "#signin",
			Eval:    `(document.getElementById("login-error") ? "error shown, " : "") + document.getElementById("email").value + ", " + ` + focused,
			WaitFor: "error shown, " + w.user.Email + ", focus #password"},
		browsertest.Step{Eval: fitsNarrow, WaitFor: "Sign in | fits", FailOn: "overflow"},
	)
}
