package oauth_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"userbridge/ent/auditevent"
	"userbridge/internal/auditlog"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestAuditRevocationNamesTheClient: a token revoked at /oauth/revoke is
// recorded as credential.revoked with the revoking application as actor
// (it acts for the token's user, named in the details), one event per
// credential of the grant, on the endpoint's route. Another client's
// attempt at the same token revokes nothing and records nothing.
func TestAuditRevocationNamesTheClient(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		a, secret := w.app(t, accounts.AppInput{Name: "Notes"})
		other, otherSecret := w.app(t, accounts.AppInput{Name: "Other"})
		conf := w.config(a, secret, "identity")
		tok, err := conf.Exchange(context.Background(), w.authorize(t, newBrowser(t), conf))
		if err != nil {
			t.Fatal(err)
		}
		last := 0
		kindsSince(t, w, &last)

		// fosite answers 200, as for an unknown token (RFC 7009 2.2): the
		// two events below show nothing was revoked.
		if st, body := w.formCall(t, "/oauth/revoke", other.ClientID, otherSecret, url.Values{"token": {tok.RefreshToken}}); st >= 500 {
			t.Fatalf("another client's revocation: %d %s", st, body)
		}
		if got := kindsSince(t, w, &last); len(got) != 0 {
			t.Fatalf("another client's revocation recorded %v", got)
		}

		if st, body := w.formCall(t, "/oauth/revoke", a.ClientID, secret, url.Values{"token": {tok.RefreshToken}}); st != 200 {
			t.Fatalf("revocation: %d %s", st, body)
		}
		evs := kindsSince(t, w, &last)
		revoked := evs[string(auditlog.CredentialRevoked)]
		if len(evs) != 1 || len(revoked) != 2 {
			t.Fatalf("events %v, want credential.revoked for the refresh and the access token", evs)
		}
		prefixes := map[string]bool{}
		for _, ev := range revoked {
			if ev.ActorKind != auditevent.ActorKindApplication || ev.ActorApplication != a.ClientID || ev.ActorUser != "" {
				t.Errorf("actor %s %q %q, want the application %q", ev.ActorKind, ev.ActorApplication, ev.ActorUser, a.ClientID)
			}
			if ev.Transport != auditlog.TransportOAuth || ev.Route != "POST /oauth/revoke" || ev.RequestID == "" || ev.ClientAddr == "" {
				t.Errorf("request facts: %+v", ev)
			}
			if ev.TargetType != auditlog.TargetCredential || ev.Details["user"] != w.user.PublicID || ev.Details["credential_kind"] == "" {
				t.Errorf("target and details: %+v", ev)
			}
			prefixes[ev.TargetID[:4]] = true
			if strings.Contains(ev.TargetID, tok.RefreshToken) || strings.Contains(ev.TargetID, tok.AccessToken) {
				t.Errorf("a token in the event: %+v", ev)
			}
		}
		if !prefixes["ref_"] || !prefixes["tok_"] {
			t.Errorf("targets %v, want a ref_ and a tok_", prefixes)
		}

		// Revoking again changes nothing and records nothing.
		if st, body := w.formCall(t, "/oauth/revoke", a.ClientID, secret, url.Values{"token": {tok.RefreshToken}}); st != 200 {
			t.Fatalf("second revocation: %d %s", st, body)
		}
		if got := kindsSince(t, w, &last); len(got) != 0 {
			t.Fatalf("a second revocation recorded %v", got)
		}
	})
}
