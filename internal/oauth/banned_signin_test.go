package oauth_test

import (
	"context"
	"regexp"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

var loginErrorRe = regexp.MustCompile(`<p class="error" role="alert" id="login-error">([^<]*)</p>`)

// TestSignInScreenTellsNoBannedAccountItsPasswordIsRight: the sign-in
// screen said "This account cannot sign in." to a banned or suspended
// account only after its right password, and "wrong e-mail or password"
// otherwise, so it confirmed a guessed password. A banned or suspended
// account now gets the wrong password's page, whatever the password.
func TestSignInScreenTellsNoBannedAccountItsPasswordIsRight(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a, _ := w.app(t, accounts.AppInput{})
		conf := w.config(a, "")
		suspended := w.User(t, "sam@example.com")
		suspend := accounts.UpdateInput{Status: new(user.StatusSuspended)}
		if _, _, err := w.Accounts.Update(context.Background(), auth.Operator(), suspended.ID, suspend); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Accounts.Ban(context.Background(), auth.Operator(), w.user.ID); err != nil {
			t.Fatal(err)
		}
		attempt := func(email, password string) (int, string) {
			b := newBrowser(t)
			p := b.signIn(w.base, b.get(conf.AuthCodeURL("state-1234567890")), email, password)
			m := loginErrorRe.FindStringSubmatch(p.body)
			if m == nil {
				t.Fatalf("%s: no error on the page: %d %s", email, p.status, p.body)
			}
			return p.status, m[1]
		}
		wantStatus, want := attempt("nobody@example.com", "password123")
		for _, c := range []struct{ name, email, password string }{
			{"banned, right password", w.user.Email, "password123"},
			{"banned, wrong password", w.user.Email, "not-the-password"},
			{"suspended, right password", suspended.Email, "password123"},
			{"suspended, wrong password", suspended.Email, "not-the-password"},
		} {
			if status, got := attempt(c.email, c.password); status != wantStatus || got != want {
				t.Errorf("%s: %d %q, want an unknown account's %d %q", c.name, status, got, wantStatus, want)
			}
		}
	})
}
