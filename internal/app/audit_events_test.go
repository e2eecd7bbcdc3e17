package app_test

// The audit trail's semantic events (sign-ins, consents) driven through
// each transport that offers them: exactly one event of each expected
// kind, with its actor, target and request facts; an action rolled back
// leaves none; no secret the test used appears in any event or log line.
// The OAuth endpoints' events are driven in internal/oauth
// (audit_events_test.go), with the browser helpers there.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/ent/user"
	"userbridge/graph/gid"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/auditlog"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// lockedBuffer is a log sink the service's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// trail reads the events written since it last looked.
type trail struct {
	*apptest.Env
	logs    *lockedBuffer
	last    int
	secrets []string // every secret the test used, searched for at the end
}

func newTrail(t *testing.T, url string, options ...func(*app.Config)) *trail {
	logs := &lockedBuffer{}
	opts := append([]func(*app.Config){func(c *app.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
		c.LoginRate = ratelimit.PerMinute(1000, 1000) // the gate, not the limit, is under test
	}}, options...)
	return &trail{Env: apptest.New(t, url, opts...), logs: logs, secrets: []string{"password123"}}
}

// since returns the events written since the last call, oldest first.
func (tr *trail) since(t *testing.T) []*ent.AuditEvent {
	t.Helper()
	evs, err := tr.Store.Client.AuditEvent.Query().Where(auditevent.IDGT(tr.last)).
		Order(ent.Asc(auditevent.FieldID)).All(context.Background())
	if err != nil {
		t.Fatalf("reading events: %v", err)
	}
	if len(evs) > 0 {
		tr.last = evs[len(evs)-1].ID
	}
	return evs
}

// skip forgets the events written so far (a case's setup).
func (tr *trail) skip(t *testing.T) { t.Helper(); tr.since(t) }

// want is what one expected event must say; empty fields are not checked
// except Target, which is checked as given ("" must be empty).
type want struct {
	kind                 auditlog.Kind
	actorKind            auditevent.ActorKind
	actorUser, actorApp  string
	targetType, targetID string
	transport, reason    string
	details              map[string]string
	detailsPresent       []string
}

// expect checks that evs hold exactly one event of each kind of ws, and
// of other kinds only those in also (counted freely), and that each
// event of ws says what it must, with the request's facts.
func expect(t *testing.T, evs []*ent.AuditEvent, also []auditlog.Kind, ws ...want) {
	t.Helper()
	byKind := map[string][]*ent.AuditEvent{}
	for _, ev := range evs {
		byKind[ev.Kind] = append(byKind[ev.Kind], ev)
	}
	for _, w := range ws {
		got := byKind[string(w.kind)]
		if len(got) != 1 {
			t.Fatalf("%d events %s, want 1; all: %s", len(got), w.kind, describe(evs))
		}
		ev := got[0]
		check := func(name, got, want string) {
			t.Helper()
			if want != "" && got != want {
				t.Errorf("%s.%s = %q, want %q", w.kind, name, got, want)
			}
		}
		check("actor_kind", string(ev.ActorKind), string(w.actorKind))
		check("actor_user", ev.ActorUser, w.actorUser)
		check("actor_application", ev.ActorApplication, w.actorApp)
		check("transport", ev.Transport, w.transport)
		check("reason", ev.Reason, w.reason)
		if ev.TargetType != w.targetType || ev.TargetID != w.targetID {
			t.Errorf("%s target = %s %q, want %s %q", w.kind, ev.TargetType, ev.TargetID, w.targetType, w.targetID)
		}
		for k, v := range w.details {
			if ev.Details[k] != v {
				t.Errorf("%s details[%s] = %q, want %q (%v)", w.kind, k, ev.Details[k], v, ev.Details)
			}
		}
		for _, k := range w.detailsPresent {
			if ev.Details[k] == "" {
				t.Errorf("%s details[%s] missing (%v)", w.kind, k, ev.Details)
			}
		}
		if ev.Transport != auditlog.TransportCLI && ev.Transport != auditlog.TransportInternal &&
			(ev.RequestID == "" || ev.ClientAddr == "" || ev.Route == "") {
			t.Errorf("%s without its request's facts: request_id %q client %q route %q",
				w.kind, ev.RequestID, ev.ClientAddr, ev.Route)
		}
		delete(byKind, string(w.kind))
	}
	for k, evs := range byKind {
		if !slices.Contains(also, auditlog.Kind(k)) {
			t.Errorf("unexpected %d event(s) %s: %s", len(evs), k, describe(evs))
		}
	}
}

func describe(evs []*ent.AuditEvent) string {
	b, _ := json.Marshal(evs)
	return string(b)
}

const loginOp = `mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`

// login signs in through GraphQL and returns the token ("" when refused).
func (tr *trail) login(t *testing.T, email, password string) string {
	t.Helper()
	tr.secrets = append(tr.secrets, password)
	res := tr.GraphQL(t, "", loginOp, map[string]any{"e": email, "p": password})
	var out struct {
		Login *struct{ Token string } `json:"login"`
	}
	if len(res.Errors) > 0 {
		return ""
	}
	res.Decode(t, &out)
	tr.secrets = append(tr.secrets, out.Login.Token)
	return out.Login.Token
}

// TestAuditSemanticEvents drives each semantic action through the
// transports other than OAuth's and checks its events, then searches the
// whole trail and the logs for every secret used.
func TestAuditSemanticEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		tr := newTrail(t, url)
		admin := tr.Admin(t, "admin@example.com")
		adminTok := tr.Token(t, admin)
		bob := tr.User(t, "bob@example.com")
		banned := tr.User(t, "banned@example.com")
		if _, err := tr.Accounts.Ban(context.Background(), auth.Operator(), banned.ID); err != nil {
			t.Fatal(err)
		}
		tr.secrets = append(tr.secrets, adminTok)
		ctx := context.Background()
		graphql, eduFocus := auditlog.TransportGraphQL, auditlog.TransportEduFocus
		anon, usr := auditevent.ActorKindAnonymous, auditevent.ActorKindUser

		for _, c := range []struct {
			name string
			act  func(t *testing.T)
			also []auditlog.Kind
			ws   []want
		}{
			{"graphql-login-succeeds", func(t *testing.T) {
				if tr.login(t, "BOB@example.com", "password123") == "" {
					t.Fatal("login refused")
				}
			}, nil, []want{
				{kind: auditlog.SignInSucceeded, actorKind: usr, actorUser: bob.PublicID, targetType: "user",
					targetID: bob.PublicID, transport: graphql, detailsPresent: []string{"credential"}},
			}},
			{"graphql-login-wrong-password", func(t *testing.T) { tr.login(t, "bob@example.com", "not-bobs-password-1") },
				nil, []want{{kind: auditlog.SignInFailed, actorKind: anon, targetType: "user", targetID: bob.PublicID,
					transport: graphql, reason: accounts.SignInWrongPassword}}},
			{"graphql-login-unknown-user-names-nothing-typed", func(t *testing.T) {
				tr.login(t, "nobody@example.com", "guessed-password-2")
			}, nil, []want{{kind: auditlog.SignInFailed, actorKind: anon, transport: graphql, reason: accounts.SignInUnknownUser}}},
			{"graphql-login-password-typed-as-email", func(t *testing.T) {
				tr.secrets = append(tr.secrets, "Typed-In-The-Wrong-Box-3")
				tr.login(t, "Typed-In-The-Wrong-Box-3", "password123")
			}, nil, []want{{kind: auditlog.SignInFailed, actorKind: anon, transport: graphql, reason: accounts.SignInUnknownUser}}},
			{"graphql-login-banned", func(t *testing.T) { tr.login(t, "banned@example.com", "password123") },
				nil, []want{{kind: auditlog.SignInFailed, actorKind: anon, targetType: "user", targetID: banned.PublicID,
					transport: graphql, reason: accounts.SignInBanned}}},
			{"graphql-revokeApplication-withdraws-consent", func(t *testing.T) {
				a, secret := tr.Application(t, "Notes", true)
				tr.secrets = append(tr.secrets, secret)
				if err := tr.Accounts.RememberConsent(ctx, bob.ID, a.ID, []string{"identity"}); err != nil {
					t.Fatal(err)
				}
				tr.secrets = append(tr.secrets, tr.Issue(t, accounts.IssueInput{UserEmail: bob.Email, AppID: a.ClientID, Consent: true}))
				bobTok := tr.Token(t, bob)
				tr.secrets = append(tr.secrets, bobTok)
				tr.skip(t)
				res := tr.GraphQL(t, bobTok, `mutation($c: String!) { revokeApplication(clientId: $c) }`, map[string]any{"c": a.ClientID})
				if len(res.Errors) > 0 {
					t.Fatal(res.Errors)
				}
			}, []auditlog.Kind{auditlog.CredentialRevoked}, []want{
				{kind: auditlog.ConsentWithdrawn, actorKind: usr, actorUser: bob.PublicID, targetType: auditlog.TargetConsent,
					transport: graphql, details: map[string]string{"user": bob.PublicID}, detailsPresent: []string{"application"}},
			}},
			{"graphql-banUser", func(t *testing.T) {
				u := tr.User(t, "ban-graphql@example.com")
				tr.secrets = append(tr.secrets, tr.Token(t, u))
				tr.skip(t)
				res := tr.GraphQL(t, adminTok, `mutation($id: ID!) { banUser(id: $id) { id } }`, map[string]any{"id": gid.Encode(u.ID)})
				if len(res.Errors) > 0 {
					t.Fatal(res.Errors)
				}
			}, []auditlog.Kind{auditlog.CredentialRevoked}, []want{
				{kind: auditlog.UserBanned, actorKind: usr, actorUser: admin.PublicID, targetType: "user", transport: graphql},
			}},
			{"edu-focus-ban", func(t *testing.T) {
				u := tr.User(t, "ban-edufocus@example.com")
				tr.skip(t)
				rec := tr.Do(apptest.Request(http.MethodPost, "/users/"+u.PublicID+"/ban", adminTok, nil))
				if rec.Code != http.StatusOK {
					t.Fatalf("ban: %d %s", rec.Code, rec.Body)
				}
			}, nil, []want{
				{kind: auditlog.UserBanned, actorKind: usr, actorUser: admin.PublicID, targetType: "user", transport: eduFocus},
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				tr.skip(t)
				c.act(t)
				evs := tr.since(t)
				ws := c.ws
				for i := range ws { // targets named by the case's own users
					if ws[i].kind == auditlog.UserBanned || ws[i].kind == auditlog.ConsentWithdrawn {
						ws[i].targetType, ws[i].targetID = evTarget(evs, ws[i].kind)
					}
				}
				expect(t, evs, c.also, ws...)
			})
		}

		t.Run("no-secret-in-any-event-or-log-line", func(t *testing.T) {
			noSecrets(t, tr)
		})
	})
}

// evTarget is the target of the one event of kind in evs, for cases whose
// target is made in the case (checked for its type alone by the caller).
func evTarget(evs []*ent.AuditEvent, kind auditlog.Kind) (string, string) {
	for _, ev := range evs {
		if ev.Kind == string(kind) {
			return ev.TargetType, ev.TargetID
		}
	}
	return "", ""
}

// noSecrets searches every stored event and every log line for every
// secret the test used.
func noSecrets(t *testing.T, tr *trail) {
	t.Helper()
	all, err := tr.Store.Client.AuditEvent.Query().All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no events at all")
	}
	stored := describe(all)
	logs := tr.logs.String()
	if !strings.Contains(logs, `"event":"signin.failed"`) {
		t.Errorf("no signin.failed log line in %s", logs)
	}
	for _, s := range tr.secrets {
		if s == "" {
			continue
		}
		if strings.Contains(stored, s) {
			t.Errorf("secret %q stored in an event", s)
		}
		if strings.Contains(logs, s) {
			t.Errorf("secret %q in the logs", s)
		}
	}
}

// TestAuditFailedSignInsGated: failed sign-ins of one account from one
// address are stored once per login-limit period, the rest counted; the
// next sign-in event of the pair (here a success) carries the count. Another
// address, or another account, has its own.
func TestAuditFailedSignInsGated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		tr := newTrail(t, url)
		bob := tr.User(t, "bob@example.com")
		from := func(addr, email, password string) {
			req := apptest.Request("POST", "/graphql", "", map[string]any{"query": loginOp,
				"variables": map[string]any{"e": email, "p": password}})
			req.RemoteAddr = addr + ":4000"
			tr.Do(req)
		}
		tr.skip(t)
		for range 6 {
			from("203.0.113.7", "bob@example.com", "wrong-password-x")
		}
		from("203.0.113.8", "bob@example.com", "wrong-password-y")
		from("203.0.113.7", "nobody@example.com", "wrong-password-z")
		evs := tr.since(t)
		var failed []*ent.AuditEvent
		for _, ev := range evs {
			if ev.Kind == string(auditlog.SignInFailed) {
				failed = append(failed, ev)
			}
		}
		if len(failed) != 3 {
			t.Fatalf("%d signin.failed stored for 8 attempts over 3 account-address pairs, want 3: %s", len(failed), describe(failed))
		}
		for _, ev := range failed {
			if ev.Details["suppressed"] != "" {
				t.Errorf("first failure carries a count: %v", ev.Details)
			}
		}
		from("203.0.113.7", "bob@example.com", "password123")
		evs = tr.since(t)
		var ok *ent.AuditEvent
		for _, ev := range evs {
			if ev.Kind == string(auditlog.SignInSucceeded) {
				ok = ev
			}
		}
		if ok == nil || ok.TargetID != bob.PublicID || ok.Details["suppressed"] != "5" {
			t.Fatalf("success after 5 unstored failures: %s", describe(evs))
		}
		if ok.ClientAddr != "203.0.113.7" {
			t.Errorf("client address %q", ok.ClientAddr)
		}
	})
}

// TestAuditRolledBackActionWritesNoEvent: actions composed in one
// transaction that then fails (as a REST handler composing two services
// does) leave no event and no log line, semantic or generic.
func TestAuditRolledBackActionWritesNoEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		tr := newTrail(t, url)
		admin := tr.Admin(t, "admin@example.com")
		bob := tr.User(t, "bob@example.com")
		a, _ := tr.Application(t, "Notes", true)
		ctx := context.Background()
		if err := tr.Accounts.RememberConsent(ctx, bob.ID, a.ID, []string{"identity"}); err != nil {
			t.Fatal(err)
		}
		adminV, err := tr.Auth.Authenticate(ctx, "Bearer "+tr.Token(t, admin))
		if err != nil {
			t.Fatal(err)
		}
		bobV, err := tr.Auth.Authenticate(ctx, "Bearer "+tr.Token(t, bob))
		if err != nil {
			t.Fatal(err)
		}
		tr.skip(t)
		logsBefore := tr.logs.String()
		later := errors.New("a later step failed")
		for name, act := range map[string]func(ctx context.Context) error{
			"ban": func(ctx context.Context) error {
				_, err := tr.Accounts.Ban(ctx, adminV, bob.ID)
				return err
			},
			"consent-withdrawn": func(ctx context.Context) error {
				return tr.Accounts.RevokeApplication(ctx, bobV, a.ClientID)
			},
			"consent-given": func(ctx context.Context) error {
				return tr.Accounts.RememberConsent(ctx, bob.ID, a.ID, []string{"email"})
			},
		} {
			t.Run(name, func(t *testing.T) {
				err := tr.Accounts.Atomically(ctx, func(ctx context.Context) error {
					if err := act(ctx); err != nil {
						t.Fatalf("the action itself: %v", err)
					}
					return later
				})
				if !errors.Is(err, later) {
					t.Fatalf("Atomically: %v", err)
				}
				if evs := tr.since(t); len(evs) != 0 {
					t.Fatalf("rolled back, yet stored: %s", describe(evs))
				}
			})
		}
		if after := tr.logs.String(); strings.Contains(after[len(logsBefore):], `"event":`) {
			t.Fatalf("rolled back, yet logged: %s", after[len(logsBefore):])
		}
		if tr.reload(t, bob.ID).Status != user.StatusActive {
			t.Fatal("the ban was not rolled back")
		}
	})
}

func (tr *trail) reload(t *testing.T, id int) *ent.User {
	t.Helper()
	u, err := tr.Store.Client.User.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
