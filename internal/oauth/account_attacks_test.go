package oauth_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// sessionOf is the value of b's session cookie for the screens.
func sessionOf(t *testing.T, w *world, b *browser) string {
	t.Helper()
	u, _ := url.Parse(w.base + "/oauth/account")
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == "ub_oauth_session" {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// withSession is a new browser holding only the session cookie value.
func withSession(t *testing.T, w *world, value string) *browser {
	b := stay(newBrowser(t))
	u, _ := url.Parse(w.base + "/oauth")
	b.Jar.SetCookies(u, []*http.Cookie{{Name: "ub_oauth_session", Value: value, Path: "/oauth"}})
	return b
}

// TestAccountPageAttacks: an outsider's attempts on the account page that
// TestAccountPage does not make. A forged or tampered session cookie is no
// session; another browser's CSRF token does not pass; a banned person's
// session ends; the page is never framed; a person's name is escaped; the
// sign-in form goes nowhere but the account page whatever it is given; a
// hostile new password is refused in the page's own words, never a 500.
func TestAccountPageAttacks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		bob := w.User(t, "bob@example.com")
		a, secret := w.app(t, accounts.AppInput{Name: "Notes", Verified: true})
		// bob authorized a; ada did not.
		bb := newBrowser(t)
		callback(t, bb.decide(w.base, bb.signIn(w.base, bb.get(w.config(a, secret, "identity").AuthCodeURL("state-1234567890")),
			bob.Email, "password123"), "allow"))

		b := newBrowser(t)
		if p := w.accountSignIn(t, b, w.user.Email, "password123"); p.status != http.StatusSeeOther {
			t.Fatalf("sign-in: %d", p.status)
		}
		home := b.get(w.base + "/oauth/account")
		if home.status != 200 {
			t.Fatalf("account page: %d", home.status)
		}
		csrf := csrfOf(t, home)

		t.Run("a forged or tampered session cookie is no session", func(t *testing.T) {
			good := sessionOf(t, w, b)
			parts := strings.Split(good, ".")
			if len(parts) != 4 {
				t.Fatalf("session cookie %q", good)
			}
			asBob := append([]string(nil), parts...)
			asBob[0] = strconv.Itoa(bob.ID)
			later := append([]string(nil), parts...)
			later[1] = "99999999999"
			for name, v := range map[string]string{
				"another user's id":       strings.Join(asBob, "."),
				"a later expiry":          strings.Join(later, "."),
				"no signature":            strings.Join(parts[:3], ".") + ".",
				"a made-up cookie":        strconv.Itoa(bob.ID) + ".99999999999.x.y",
				"NUL and invalid UTF-8":   "1.2.\x00\xff.z",
				"past the cookie bound":   strings.Repeat("a", 300),
				"the signature elsewhere": parts[3] + "." + strings.Join(parts[:3], "."),
			} {
				if p := withSession(t, w, v).get(w.base + "/oauth/account"); p.status != http.StatusSeeOther || p.location != "/oauth/account/signin" {
					t.Errorf("%s: %d %q", name, p.status, p.location)
				}
			}
			if p := withSession(t, w, good).get(w.base + "/oauth/account"); p.status != 200 {
				t.Fatalf("the untouched cookie: %d", p.status)
			}
		})

		t.Run("another browser's CSRF token does not pass", func(t *testing.T) {
			attacker := newBrowser(t)
			theirs := csrfOf(t, attacker.get(w.base+"/oauth/account/signin"))
			if theirs == csrf {
				t.Fatal("two browsers share a CSRF token")
			}
			p := stay(b).post(w.base+"/oauth/account/password", url.Values{"csrf": {theirs},
				"current_password": {"password123"}, "new_password": {"attacker-chosen-1"}, "new_password_again": {"attacker-chosen-1"}})
			if p.status != http.StatusForbidden {
				t.Fatalf("the attacker's token with ada's cookies: %d", p.status)
			}
			if _, err := w.Accounts.CheckPassword(context.Background(), w.user.Email, "password123", ""); err != nil {
				t.Fatalf("the password changed: %v", err)
			}
		})

		t.Run("other origins, sibling sites and GETs do not act", func(t *testing.T) {
			u, _ := url.Parse(w.base)
			for name, h := range map[string][2]string{
				"Origin null":           {"Origin", "null"},
				"another scheme":        {"Origin", "https://" + u.Host},
				"another port":          {"Origin", "http://" + u.Hostname() + ":1"},
				"a trailing slash":      {"Origin", w.base + "/"},
				"a sibling site":        {"Sec-Fetch-Site", "same-site"},
				"an unknown fetch site": {"Sec-Fetch-Site", "weird"},
			} {
				req, _ := http.NewRequest("POST", w.base+"/oauth/account/signout", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set(h[0], h[1])
				if p := stay(b).do(req); p.status != http.StatusForbidden {
					t.Errorf("%s: %d", name, p.status)
				}
			}
			for _, path := range []string{"/oauth/account/revoke", "/oauth/account/password", "/oauth/account/signout"} {
				q := url.Values{"csrf": {csrf}, "client_id": {"nope"}, "current_password": {"password123"},
					"new_password": {"attacker-chosen-1"}, "new_password_again": {"attacker-chosen-1"}}
				if p := stay(b).get(w.base + path + "?" + q.Encode()); p.status != http.StatusMethodNotAllowed {
					t.Errorf("GET %s: %d", path, p.status)
				}
			}
			if p := stay(b).get(w.base + "/oauth/account"); p.status != 200 {
				t.Fatalf("the session ended: %d", p.status)
			}
		})

		t.Run("revoking another user's consent changes nothing", func(t *testing.T) {
			p := stay(b).post(w.base+"/oauth/account/revoke", url.Values{"csrf": {csrf}, "client_id": {a.ClientID}})
			if p.status != http.StatusNotFound {
				t.Fatalf("%d", p.status)
			}
			if ok, err := w.Accounts.ConsentCovers(context.Background(), bob.ID, a.ID, []string{"identity"}); err != nil || !ok {
				t.Fatalf("bob's consent: %v %v", ok, err)
			}
		})

		t.Run("never framed, like the sign-in screens", func(t *testing.T) {
			anon := stay(newBrowser(t))
			for name, p := range map[string]page{
				"account":   home,
				"sign-in":   anon.get(w.base + "/oauth/account/signin"),
				"refusal":   stay(b).post(w.base+"/oauth/account/revoke", url.Values{"client_id": {a.ClientID}}),
				"not found": stay(b).post(w.base+"/oauth/account/revoke", url.Values{"csrf": {csrf}, "client_id": {"nope"}}),
			} {
				if p.header.Get("X-Frame-Options") != "DENY" || !strings.Contains(p.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
					t.Errorf("%s (%d): %v", name, p.status, p.header)
				}
			}
		})

		t.Run("the sign-in form goes only to the account page", func(t *testing.T) {
			nb := stay(newBrowser(t))
			f := nb.get(w.base + "/oauth/account/signin?return_to=https://evil.example/&next=//evil.example").fields()
			f.Set("email", bob.Email)
			f.Set("password", "password123")
			for _, k := range []string{"return_to", "next", "redirect_uri", "continue"} {
				f.Set(k, "https://evil.example/")
			}
			if p := nb.post(w.base+"/oauth/account/signin?next=//evil.example&return_to=https://evil.example/", f); p.status != http.StatusSeeOther || p.location != "/oauth/account" {
				t.Fatalf("%d %q", p.status, p.location)
			}
			// Signing out, the way back is only an authorization request here.
			csrfB := csrfOf(t, nb.get(w.base+"/oauth/account"))
			for _, back := range []string{"//evil.example/oauth/authorize?", "/oauth/authorize", "/oauth/authorize/../../x?", "https://evil.example/oauth/authorize?",
				"/oauth/authorizeX?", " /oauth/authorize?"} {
				if p := nb.post(w.base+"/oauth/account/signout", url.Values{"csrf": {csrfB}, "return_to": {back}}); p.status != 200 || p.location != "" {
					t.Errorf("sign out back to %q: %d %q", back, p.status, p.location)
				}
			}
		})

		t.Run("a person's name is escaped", func(t *testing.T) {
			hostile := "<img src=x onerror=alert(1)>"
			if _, err := w.Store.Client.User.UpdateOne(w.user).SetFirstName(hostile).SetLastName(`"><script>x</script>`).Save(context.Background()); err != nil {
				t.Fatal(err)
			}
			p := b.get(w.base + "/oauth/account")
			if p.status != 200 || strings.Contains(p.body, "<img src=x") || strings.Contains(p.body, "<script>x") {
				t.Fatalf("%d %s", p.status, p.body)
			}
		})

		t.Run("hostile new passwords are refused in words, never a 500", func(t *testing.T) {
			post := func(current, next string) page {
				return stay(b).post(w.base+"/oauth/account/password", url.Values{"csrf": {csrf},
					"current_password": {current}, "new_password": {next}, "new_password_again": {next}})
			}
			for name, c := range map[string]struct {
				current, next string
				status        int
			}{
				"no current password":     {"", "another-password-1", http.StatusBadRequest},
				"129 characters":          {"password123", strings.Repeat("é", 129), http.StatusBadRequest},
				"a long current password": {strings.Repeat("x", 5000), "another-password-1", http.StatusBadRequest},
				"100,000 bytes":           {"password123", strings.Repeat("x", 100000), http.StatusBadRequest},
			} {
				if p := post(c.current, c.next); p.status != c.status {
					t.Errorf("%s: %d %.300s", name, p.status, p.body)
				}
			}
			if _, err := w.Accounts.CheckPassword(context.Background(), w.user.Email, "password123", ""); err != nil {
				t.Fatalf("a refused change changed the password: %v", err)
			}
			for _, next := range []string{"pass\x00word-123", "pass\xff\xfeword-123"} {
				if p := post("password123", next); p.status >= 500 {
					t.Errorf("%q: %d", next, p.status)
				}
			}
		})

		t.Run("a banned person's session ends", func(t *testing.T) {
			if _, err := w.Accounts.Ban(context.Background(), auth.Operator(), bob.ID); err != nil {
				t.Fatal(err)
			}
			p := stay(bb).get(w.base + "/oauth/account")
			if p.status != http.StatusSeeOther || p.location != "/oauth/account/signin" {
				t.Fatalf("GET: %d %q", p.status, p.location)
			}
			f := stay(bb).get(w.base + "/oauth/account/signin").fields()
			f.Set("client_id", a.ClientID)
			if p := stay(bb).post(w.base+"/oauth/account/revoke", f); p.status != http.StatusSeeOther || p.location != "/oauth/account/signin" {
				t.Fatalf("POST: %d %q", p.status, p.location)
			}
		})

		t.Run("an unban does not bring the banned session back", func(t *testing.T) {
			if _, err := w.Accounts.Unban(context.Background(), auth.Operator(), bob.ID); err != nil {
				t.Fatal(err)
			}
			if p := stay(bb).get(w.base + "/oauth/account"); p.status != http.StatusSeeOther || p.location != "/oauth/account/signin" {
				t.Fatalf("GET after the unban: %d %q", p.status, p.location)
			}
			again := newBrowser(t)
			if p := w.accountSignIn(t, again, bob.Email, "password123"); p.status != http.StatusSeeOther {
				t.Fatalf("a new sign-in after the unban: %d", p.status)
			}
			if p := again.get(w.base + "/oauth/account"); p.status != 200 {
				t.Fatalf("the new session: %d", p.status)
			}
		})
	})
}

// TestAccountPasswordGuessing: a stolen session cookie is no way to guess
// the current password: the password form counts against the login limit,
// answers 429 in the page's words once past it, and then refuses even
// the right password until the limit allows again.
func TestAccountPasswordGuessing(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite))
	b := newBrowser(t)
	if p := w.accountSignIn(t, b, w.user.Email, "password123"); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", p.status)
	}
	csrf := csrfOf(t, b.get(w.base+"/oauth/account"))
	post := func(current string) page {
		return stay(b).post(w.base+"/oauth/account/password", url.Values{"csrf": {csrf},
			"current_password": {current}, "new_password": {"attacker-chosen-1"}, "new_password_again": {"attacker-chosen-1"}})
	}
	limited := false
	for i := 0; i < 15 && !limited; i++ {
		switch p := post("guess-" + strconv.Itoa(i) + "-xxxx"); p.status {
		case http.StatusTooManyRequests:
			limited = true
		case http.StatusBadRequest:
		default:
			t.Fatalf("guess %d: %d", i, p.status)
		}
	}
	if !limited {
		t.Fatal("15 wrong current passwords and no 429")
	}
	if p := post("password123"); p.status != http.StatusTooManyRequests {
		t.Fatalf("the right password past the limit: %d", p.status)
	}
	if u, err := w.Store.Client.User.Get(context.Background(), w.user.ID); err != nil || u.PasswordHash != w.user.PasswordHash {
		t.Fatalf("the password changed past the limit: %v", err)
	}
}
