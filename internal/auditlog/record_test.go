package auditlog_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/auditlog"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// logBuffer is a log destination tests read while writers may still write.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type env struct {
	store     *db.Store
	log       *logBuffer
	committed []*ent.AuditEvent
	inTx      int
}

func newEnv(t *testing.T, url string) *env {
	t.Helper()
	e := &env{store: dbtest.Open(t, url), log: &logBuffer{}}
	var mu sync.Mutex
	auditlog.Install(e.store.Client, &auditlog.Options{
		Logger: slog.New(slog.NewJSONHandler(e.log, nil)),
		InTx: []func(context.Context, *ent.Client, *ent.AuditEvent) error{
			func(context.Context, *ent.Client, *ent.AuditEvent) error {
				mu.Lock()
				e.inTx++
				mu.Unlock()
				return nil
			},
		},
		Committed: []func(*ent.AuditEvent){func(ev *ent.AuditEvent) { mu.Lock(); e.committed = append(e.committed, ev); mu.Unlock() }},
	})
	return e
}

func (e *env) events(t *testing.T) []*ent.AuditEvent {
	t.Helper()
	evs, err := e.store.Client.AuditEvent.Query().Order(ent.Asc(auditevent.FieldID)).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (e *env) user(ctx context.Context, t *testing.T, email string) *ent.User {
	t.Helper()
	u, err := e.store.Client.User.Create().SetEmail(email).SetUsername(strings.Split(email, "@")[0]).
		SetLogin(email).SetPasswordHash("$argon2id$secret-hash-value").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// requestCtx is the context of a request by viewer v, as the HTTP
// middlewares leave it.
func requestCtx(v *auth.Viewer) context.Context {
	ctx := reqinfo.WithClientAddr(reqinfo.WithRequestID(context.Background(), "req-1"), "203.0.113.9")
	return auth.NewContext(ctx, v)
}

func TestRecordCommitsWithItsAction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		admin := e.user(auditlog.Quiet(context.Background()), t, "admin@example.com")
		ctx := requestCtx(&auth.Viewer{User: admin, Scopes: auth.AllScopes})

		t.Run("a rolled-back action leaves no event, no log line, no notification", func(t *testing.T) {
			err := db.WithTx(ctx, e.store.Client, func(tx *ent.Tx) error {
				if _, err := tx.User.Create().SetEmail("gone@example.com").SetUsername("gone").SetLogin("gone@example.com").Save(ctx); err != nil {
					return err
				}
				if err := auditlog.Record(ctx, tx, auditlog.Event{Kind: "test.rolled_back"}); err != nil {
					return err
				}
				return errors.New("the action fails after its events were written")
			})
			if err == nil {
				t.Fatal("want the action's error")
			}
			if evs := e.events(t); len(evs) != 0 {
				t.Fatalf("events after rollback: %+v", evs)
			}
			if s := e.log.String(); strings.Contains(s, "event") {
				t.Fatalf("log after rollback: %s", s)
			}
			if len(e.committed) != 0 {
				t.Fatalf("notified after rollback: %d", len(e.committed))
			}
		})

		t.Run("a committed action: one event, logged and notified only after the commit", func(t *testing.T) {
			var target *ent.User
			err := db.WithTx(ctx, e.store.Client, func(tx *ent.Tx) error {
				var err error
				target, err = tx.User.Create().SetEmail("kept@example.com").SetUsername("kept").SetLogin("kept@example.com").Save(ctx)
				if err != nil {
					return err
				}
				if s := e.log.String(); strings.Contains(s, "user.created") || len(e.committed) != 0 {
					t.Errorf("logged or notified before the commit: %s", s)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			evs := e.events(t)
			if len(evs) != 1 {
				t.Fatalf("%d events, want 1", len(evs))
			}
			ev := evs[0]
			if ev.Kind != string(auditlog.UserCreated) || ev.TargetType != "user" || ev.TargetID != target.PublicID ||
				ev.ActorKind != auditevent.ActorKindUser || ev.ActorUser != admin.PublicID ||
				ev.ClientAddr != "203.0.113.9" || ev.RequestID != "req-1" || ev.Transport != auditlog.TransportInternal {
				t.Fatalf("event %+v", ev)
			}
			if len(e.committed) != 1 || e.committed[0].ID != ev.ID || e.inTx < 1 {
				t.Fatalf("committed %v, in tx %d", e.committed, e.inTx)
			}
			if s := e.log.String(); !strings.Contains(s, `"event":"user.created"`) || !strings.Contains(s, target.PublicID) {
				t.Fatalf("log line: %s", s)
			}
		})
	})
}

func TestEventsAreAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := auditlog.WithOperator(context.Background())
		if err := auditlog.Record(ctx, e.store.Client, auditlog.Event{Kind: "test.kept", Reason: "first"}); err != nil {
			t.Fatal(err)
		}
		ev := e.events(t)[0]
		if ev.ActorKind != auditevent.ActorKindOperator || ev.Transport != auditlog.TransportCLI {
			t.Fatalf("operator event %+v", ev)
		}
		c := e.store.Client
		for name, err := range map[string]error{
			"update one": c.AuditEvent.UpdateOneID(ev.ID).Exec(ctx), // every field is immutable: no setter to call
			"update":     c.AuditEvent.Update().Exec(ctx),
			"delete one": c.AuditEvent.DeleteOneID(ev.ID).Exec(ctx),
			"delete":     func() error { _, err := c.AuditEvent.Delete().Exec(ctx); return err }(),
		} {
			if !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s: %v, want forbidden", name, err)
			}
		}
		if got := e.events(t); len(got) != 1 || got[0].Reason != "first" {
			t.Fatalf("after the attempts: %+v", got)
		}
		if n, err := auditlog.Sweep(ctx, c, 0, time.Now()); n != 0 || err != nil {
			t.Fatalf("retention 0 keeps everything: %d %v", n, err)
		}
		if n, err := auditlog.Sweep(ctx, c, time.Hour, time.Now()); n != 0 || err != nil {
			t.Fatalf("a young event stays: %d %v", n, err)
		}
		if n, err := auditlog.Sweep(ctx, c, time.Hour, time.Now().Add(2*time.Hour)); n != 1 || err != nil {
			t.Fatalf("an old event goes: %d %v", n, err)
		}
	})
}

func TestGenericEventsNameFieldsNotSecrets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := context.Background()
		u := e.user(ctx, t, "person@example.com")
		c := e.store.Client
		u = c.User.UpdateOne(u).SetFirstName("Ann").SetPasswordHash("$argon2id$another-secret-hash").SaveX(ctx)
		u = c.User.UpdateOne(u).SetRole(user.RoleAdmin).SaveX(ctx)
		u = c.User.UpdateOne(u).SetStatus(user.StatusBanned).SaveX(ctx)
		u = c.User.UpdateOne(u).SetStatus(user.StatusActive).SaveX(ctx)
		app := c.Application.Create().SetName("App").SetSecretHash("app-secret-hash-value").SaveX(ctx)
		c.Application.UpdateOne(app).SetSecretHash("rotated-secret-hash-value").ExecX(ctx)
		cr := c.Credential.Create().SetTokenHash("token-hash-value").SetKind(credential.KindAPIKey).SetUserID(u.ID).SaveX(ctx)
		c.Credential.UpdateOne(cr).SetLastUsedAt(time.Now()).ExecX(ctx) // no event
		c.Credential.Update().Where(credential.UserID(u.ID)).SetRevokedAt(time.Now()).ExecX(ctx)
		c.Application.DeleteOne(app).ExecX(ctx)
		c.User.DeleteOne(u).ExecX(ctx)

		var kinds []string
		for _, ev := range e.events(t) {
			kinds = append(kinds, ev.Kind)
			s := ev.String() + strings.Join(ev.Fields, ",")
			for _, v := range ev.Details {
				s += v
			}
			for _, secret := range []string{"secret-hash", "token-hash"} {
				if strings.Contains(s, secret) {
					t.Errorf("event %s holds a secret: %s", ev.Kind, s)
				}
			}
		}
		want := "user.created user.password_reset user.role_changed user.banned user.unbanned " +
			"application.created application.secret_rotated credential.minted credential.revoked " +
			"application.deleted user.deleted"
		if got := strings.Join(kinds, " "); got != want {
			t.Fatalf("kinds\n got %s\nwant %s", got, want)
		}
		if s := e.log.String(); strings.Contains(s, "secret-hash") || strings.Contains(s, "token-hash") {
			t.Fatalf("log holds a secret: %s", s)
		}
	})
}

// TestUserEventsNameOnlyChangedFields: an update that sets fields to the
// values they had names only those it changed (an optional field's old
// value, a pointer, compared with the new one), and one that changes
// nothing records nothing.
func TestUserEventsNameOnlyChangedFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := auditlog.WithOperator(context.Background())
		u := e.user(auditlog.Quiet(ctx), t, "same@example.com")
		c := e.store.Client
		u = c.User.UpdateOne(u).SetFirstName("Ann").SetDisplayName("Ann").SaveX(ctx)
		before := len(e.events(t))
		u = c.User.UpdateOne(u).SetFirstName("Ann").SetLastName("").SetDisplayName("Ann").SetLastName("Lee").SaveX(ctx)
		evs := e.events(t)[before:]
		if len(evs) != 1 || evs[0].Kind != string(auditlog.UserChanged) || !slices.Equal(evs[0].Fields, []string{"last_name"}) {
			t.Fatalf("events %+v, want one user.changed naming last_name only", evs)
		}
		c.User.UpdateOne(u).SetFirstName("Ann").SetDisplayName("Ann").SetStatus(u.Status).ExecX(ctx)
		if evs := e.events(t)[before+1:]; len(evs) != 0 {
			t.Fatalf("an update changing nothing recorded %+v", evs)
		}
	})
}
