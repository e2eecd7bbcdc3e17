package oauth_test

// The audit trail's events at the OAuth screens and endpoints: one event
// per action, naming the application and the user, and no secret of the
// flow (password, client secret, code, verifier, tokens) in any event or
// log line. internal/app's audit_events_test.go drives the other
// transports.

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/internal/app"
	"userbridge/internal/auditlog"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// kinds is the events written since *last, by kind, oldest first.
func kindsSince(t *testing.T, w *world, last *int) map[string][]*ent.AuditEvent {
	t.Helper()
	evs, err := w.Store.Client.AuditEvent.Query().Where(auditevent.IDGT(*last)).
		Order(ent.Asc(auditevent.FieldID)).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*ent.AuditEvent{}
	for _, ev := range evs {
		out[ev.Kind] = append(out[ev.Kind], ev)
		*last = ev.ID
	}
	return out
}

// only checks that got holds exactly one event of kind and nothing else
// but the kinds in also, and returns it.
func only(t *testing.T, got map[string][]*ent.AuditEvent, kind auditlog.Kind, also ...auditlog.Kind) *ent.AuditEvent {
	t.Helper()
	if len(got[string(kind)]) != 1 {
		b, _ := json.Marshal(got)
		t.Fatalf("%d events %s, want 1: %s", len(got[string(kind)]), kind, b)
	}
	for k := range got {
		ok := k == string(kind)
		for _, a := range also {
			ok = ok || k == string(a)
		}
		if !ok {
			b, _ := json.Marshal(got[k])
			t.Errorf("unexpected %s: %s", k, b)
		}
	}
	ev := got[string(kind)][0]
	if ev.Transport != auditlog.TransportOAuth || ev.RequestID == "" || ev.ClientAddr == "" || ev.Route == "" {
		t.Errorf("%s without its request's facts: %+v", kind, ev)
	}
	return ev
}

func TestAuditOAuthEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		logs := &syncBuffer{}
		w := newWorld(t, dbURL, func(c *app.Config) { c.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
		a, secret := w.app(t, accounts.AppInput{Name: "Notes"})
		secrets := []string{"password123", secret}
		conf := w.config(a, secret, "identity", "email")
		pub := w.user.PublicID
		last := 0
		kindsSince(t, w, &last)
		user, application := auditevent.ActorKindUser, auditevent.ActorKindApplication
		actor := func(t *testing.T, ev *ent.AuditEvent, kind auditevent.ActorKind, u, app string) {
			t.Helper()
			if ev.ActorKind != kind || ev.ActorUser != u || ev.ActorApplication != app {
				t.Errorf("%s actor = %s %q %q, want %s %q %q", ev.Kind, ev.ActorKind, ev.ActorUser, ev.ActorApplication, kind, u, app)
			}
		}

		b := newBrowser(t)
		var code string
		t.Run("sign-in screen and consent", func(t *testing.T) {
			p := b.get(conf.AuthCodeURL("state-1234567890"))
			p = b.signIn(w.base, p, w.user.Email, "password123")
			got := kindsSince(t, w, &last)
			ev := only(t, got, auditlog.SignInSucceeded)
			actor(t, ev, user, pub, "")
			if ev.TargetID != pub || ev.Route != "POST /oauth/login" {
				t.Errorf("sign-in: target %q route %q", ev.TargetID, ev.Route)
			}
			q := callback(t, b.decide(w.base, p, "allow"))
			code = q.Get("code")
			secrets = append(secrets, code)
			ev = only(t, kindsSince(t, w, &last), auditlog.ConsentGiven)
			actor(t, ev, user, pub, "")
			if ev.TargetType != auditlog.TargetConsent || ev.TargetID != a.ClientID || ev.Details["scopes"] != "identity email" {
				t.Errorf("consent: %+v", ev)
			}
		})
		t.Run("sign-in screen refuses a wrong password", func(t *testing.T) {
			b2 := newBrowser(t)
			p := b2.get(conf.AuthCodeURL("state-1234567890"))
			secrets = append(secrets, "Wrong-Screen-Password-9")
			b2.signIn(w.base, p, w.user.Email, "Wrong-Screen-Password-9")
			ev := only(t, kindsSince(t, w, &last), auditlog.SignInFailed)
			if ev.Reason != accounts.SignInWrongPassword || ev.TargetID != pub || ev.ActorKind != auditevent.ActorKindAnonymous {
				t.Errorf("failed sign-in: %+v", ev)
			}
		})
		var access, refresh string
		t.Run("code exchanged", func(t *testing.T) {
			st, body := w.tokenCall(t, a.ClientID, secret, url.Values{"grant_type": {"authorization_code"},
				"code": {code}, "redirect_uri": {redirectURI}})
			access, refresh = tokens(t, st, body)
			secrets = append(secrets, access, refresh)
			ev := only(t, kindsSince(t, w, &last), auditlog.CredentialMinted)
			actor(t, ev, user, pub, a.ClientID)
			if ev.TargetType != auditlog.TargetCredential || !strings.HasPrefix(ev.TargetID, "tok_") ||
				ev.Details["grant_type"] != "authorization_code" || ev.Details["user"] != pub {
				t.Errorf("exchange: %+v", ev)
			}
		})
		var refreshed string
		t.Run("refresh", func(t *testing.T) {
			st, body := w.tokenCall(t, a.ClientID, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
			var a2 string
			a2, refreshed = tokens(t, st, body)
			secrets = append(secrets, a2, refreshed)
			ev := only(t, kindsSince(t, w, &last), auditlog.CredentialRefreshed)
			actor(t, ev, user, pub, a.ClientID)
		})
		t.Run("code replayed", func(t *testing.T) {
			st, body := w.tokenCall(t, a.ClientID, secret, url.Values{"grant_type": {"authorization_code"},
				"code": {code}, "redirect_uri": {redirectURI}})
			if st != 400 || oauthError(body) != "invalid_grant" {
				t.Fatalf("replayed code: %d %s", st, body)
			}
			ev := only(t, kindsSince(t, w, &last), auditlog.CredentialReused)
			actor(t, ev, application, "", a.ClientID)
			if ev.Reason != "authorization_code" || ev.TargetID != pub {
				t.Errorf("code reuse: %+v", ev)
			}
		})
		t.Run("refresh token replayed", func(t *testing.T) {
			b3 := newBrowser(t)
			p := b3.signIn(w.base, b3.get(conf.AuthCodeURL("state-1234567890")), w.user.Email, "password123")
			code2 := callback(t, p).Get("code") // consent remembered: no consent page
			secrets = append(secrets, code2)
			tok, err := conf.Exchange(context.Background(), code2)
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
			if st, body := w.tokenCall(t, a.ClientID, secret, form); st != 200 {
				t.Fatalf("first refresh: %d %s", st, body)
			} else {
				x, y := tokens(t, st, body)
				secrets = append(secrets, x, y)
			}
			kindsSince(t, w, &last)
			if st, body := w.tokenCall(t, a.ClientID, secret, form); st != 400 {
				t.Fatalf("replayed refresh: %d %s", st, body)
			}
			ev := only(t, kindsSince(t, w, &last), auditlog.CredentialReused)
			if ev.Reason != "refresh_token" || ev.TargetID != pub || ev.ActorApplication != a.ClientID {
				t.Errorf("refresh reuse: %+v", ev)
			}
		})
		t.Run("client credentials", func(t *testing.T) {
			cc, ccSecret := w.app(t, accounts.AppInput{Name: "Robot", Scopes: []string{"identity"}})
			secrets = append(secrets, ccSecret)
			kindsSince(t, w, &last)
			st, body := w.tokenCall(t, cc.ClientID, ccSecret, url.Values{"grant_type": {"client_credentials"}})
			if st != 200 {
				t.Fatalf("client credentials: %d %s", st, body)
			}
			var r struct {
				AccessToken string `json:"access_token"`
			}
			_ = json.Unmarshal([]byte(body), &r)
			secrets = append(secrets, r.AccessToken)
			ev := only(t, kindsSince(t, w, &last), auditlog.CredentialMinted)
			actor(t, ev, application, "", cc.ClientID)
			if ev.Details["grant_type"] != "client_credentials" {
				t.Errorf("client credentials: %+v", ev)
			}
		})
		t.Run("account page: sign-in and withdrawn consent", func(t *testing.T) {
			ab := newBrowser(t)
			if p := w.accountSignIn(t, ab, w.user.Email, "password123"); p.status != http.StatusSeeOther {
				t.Fatalf("account sign-in: %d", p.status)
			}
			ev := only(t, kindsSince(t, w, &last), auditlog.SignInSucceeded)
			if ev.Route != "POST /oauth/account/signin" || ev.ActorUser != pub {
				t.Errorf("account sign-in: %+v", ev)
			}
			p := ab.get(w.base + "/account")
			csrf := csrfOf(t, p)
			if p := stay(ab).post(w.base+"/oauth/account/revoke", url.Values{"csrf": {csrf}, "client_id": {a.ClientID}}); p.status != http.StatusSeeOther {
				t.Fatalf("revoke: %d %s", p.status, p.body)
			}
			ev = only(t, kindsSince(t, w, &last), auditlog.ConsentWithdrawn, auditlog.CredentialRevoked)
			actor(t, ev, user, pub, "")
			if ev.TargetID != a.ClientID {
				t.Errorf("withdrawn: %+v", ev)
			}
		})
		t.Run("no secret in any event or log line", func(t *testing.T) {
			all, err := w.Store.Client.AuditEvent.Query().All(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := json.Marshal(all)
			text := logs.String()
			for _, s := range secrets {
				if s == "" {
					continue
				}
				if strings.Contains(string(stored), s) {
					t.Errorf("secret %.12q… stored in an event", s)
				}
				if strings.Contains(text, s) {
					t.Errorf("secret %.12q… in the logs", s)
				}
			}
		})
	})
}
