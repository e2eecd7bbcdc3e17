package oauth_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"userbridge/ent/authorizationcode"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestBanDuringTokenExchange (PostgreSQL): a ban that has set the status
// and revoked the user's credentials, but not yet committed, must not let
// a code exchange or a refresh running meanwhile leave a live token. The
// exchange waits for the user's row and then sees the ban. (Before, it
// stored its tokens after the ban's revocation had run, and they lived on.)
func TestBanDuringTokenExchange(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.Postgres))
	ctx := context.Background()
	a, secret := w.app(t, accounts.AppInput{Name: "Notes"})
	conf := w.config(a, secret, "identity")

	for _, grant := range []string{"authorization_code", "refresh_token"} {
		t.Run(grant, func(t *testing.T) {
			w.Store.Client.User.UpdateOneID(w.user.ID).SetStatus(user.StatusActive).ExecX(ctx)
			w.Store.Client.Consent.Delete().ExecX(ctx)
			code := w.authorize(t, newBrowser(t), conf)
			exchange := func() (*oauth2.Token, error) { return conf.Exchange(ctx, code) }
			if grant == "refresh_token" {
				tok, err := conf.Exchange(ctx, code)
				if err != nil {
					t.Fatal(err)
				}
				exchange = func() (*oauth2.Token, error) {
					return conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
				}
			}
			// The ban, half done: status set, credentials revoked.
			tx, err := w.Store.Client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback() }() // a failure must not leave it open
			tx.User.UpdateOneID(w.user.ID).SetStatus(user.StatusBanned).ExecX(ctx)
			tx.Credential.Update().Where(credential.UserID(w.user.ID), credential.RevokedAtIsNil()).
				SetRevokedAt(time.Now().UTC()).ExecX(ctx)
			done := make(chan error, 1)
			go func() { _, err := exchange(); done <- err }()
			select {
			case err := <-done:
				t.Fatalf("the exchange did not wait for the ban (err %v)", err)
			case <-time.After(500 * time.Millisecond):
			}
			tx.AuthorizationCode.Delete().Where(authorizationcode.UserID(w.user.ID)).ExecX(ctx)
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err == nil {
				t.Fatal("a banned user got tokens")
			}
			if n := w.Store.Client.Credential.Query().Where(credential.UserID(w.user.ID), credential.RevokedAtIsNil()).
				CountX(ctx); n != 0 {
				t.Fatalf("%d live credentials after the ban", n)
			}
		})
	}
}
