package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/app/apptest"
	"userbridge/internal/auditlog"
	"userbridge/internal/store/db/dbtest"
)

// cliEvent is what one event of a command must say: the operator acted,
// through the command line, with no request behind it.
type cliEvent struct {
	kind                 auditlog.Kind
	targetType, targetID string
	fields               []string          // checked when not nil
	details              map[string]string // each checked
	route                string            // checked when set; else any "userbridge ..." command path
}

// TestAuditEventsOfCommands drives each administration command that
// writes (user create, set-password, ban, unban, delete; token create and
// revoke; app create, update, rotate-secret, delete) and checks it records
// exactly its events, by the operator through cli, with their targets,
// fields and details, and that no password, token or secret the commands
// printed or took reaches the trail.
func TestAuditEventsOfCommands(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		with := func(args ...string) []string { return append(args, "--database", dbURL) }
		ctx := context.Background()
		var env *apptest.Env
		last := 0
		since := func(t *testing.T) []*ent.AuditEvent {
			t.Helper()
			if env == nil {
				env = apptest.New(t, dbURL)
			}
			evs, err := env.Store.Client.AuditEvent.Query().Where(auditevent.IDGT(last)).
				Order(ent.Asc(auditevent.FieldID)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) > 0 {
				last = evs[len(evs)-1].ID
			}
			return evs
		}
		secrets := []string{"cli-first-pass-1", "cli-reset-pass-2"}
		check := func(t *testing.T, ws ...cliEvent) {
			t.Helper()
			evs := since(t)
			all, _ := json.Marshal(evs)
			if len(evs) != len(ws) {
				t.Fatalf("%d events, want %d: %s", len(evs), len(ws), all)
			}
			for i, w := range ws {
				ev := evs[i]
				if ev.Kind != string(w.kind) || ev.ActorKind != auditevent.ActorKindOperator || ev.ActorUser != "" ||
					ev.Transport != auditlog.TransportCLI || ev.TargetType != w.targetType || ev.TargetID != w.targetID {
					t.Errorf("event %d = %s by %s %q through %s on %s %q; want %s by the operator through cli on %s %q",
						i, ev.Kind, ev.ActorKind, ev.ActorUser, ev.Transport, ev.TargetType, ev.TargetID, w.kind, w.targetType, w.targetID)
				}
				if w.fields != nil {
					got := slices.Clone(ev.Fields)
					slices.Sort(got)
					if !slices.Equal(got, w.fields) {
						t.Errorf("%s fields = %v, want %v", ev.Kind, got, w.fields)
					}
				}
				// The route is the command's path, never its arguments
				// (an e-mail address, a secret).
				if (w.route != "" && ev.Route != w.route) || !strings.HasPrefix(ev.Route, "userbridge ") || strings.Contains(ev.Route, "@") || strings.Contains(ev.Route, "--") {
					t.Errorf("%s route = %q, want the command's path %q", ev.Kind, ev.Route, w.route)
				}
				for k, v := range w.details {
					if ev.Details[k] != v {
						t.Errorf("%s details[%s] = %q, want %q (%v)", ev.Kind, k, ev.Details[k], v, ev.Details)
					}
				}
			}
		}
		userByEmail := func(t *testing.T, email string) *ent.User {
			t.Helper()
			if env == nil {
				env = apptest.New(t, dbURL)
			}
			u, err := env.Store.Client.User.Query().Where(user.Email(email)).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		userT, appT, credT := auditlog.TargetUser, auditlog.TargetApplication, auditlog.TargetCredential

		ok(t, "", with("user", "create", "--email", "ada@example.com", "--password", "cli-first-pass-1")...)
		ada := userByEmail(t, "ada@example.com")
		t.Run("user create", func(t *testing.T) {
			check(t, cliEvent{kind: auditlog.UserCreated, targetType: userT, targetID: ada.PublicID,
				details: map[string]string{"role": "user", "status": "active"}})
		})
		t.Run("user set-password is a reset", func(t *testing.T) {
			ok(t, "cli-reset-pass-2\n", with("user", "set-password", "--user", "ada@example.com", "--password-stdin")...)
			check(t, cliEvent{kind: auditlog.UserPasswordReset, targetType: userT, targetID: ada.PublicID, fields: []string{"password_hash"}})
		})
		t.Run("token create and revoke", func(t *testing.T) {
			secrets = append(secrets, strings.TrimSpace(ok(t, "", with("token", "create", "--user", "ada@example.com", "--scopes", "identity,email")...)))
			c := env.Store.Client.Credential.Query().Where(credential.UserID(ada.ID)).OnlyX(ctx)
			ref := auditlog.CredentialRef(c.ID, c.Kind)
			check(t, cliEvent{kind: auditlog.CredentialMinted, targetType: credT, targetID: ref,
				details: map[string]string{"credential_kind": string(c.Kind), "scopes": "identity email"}})
			ok(t, "", with("token", "revoke", ref)...)
			check(t, cliEvent{kind: auditlog.CredentialRevoked, targetType: credT, targetID: ref, route: "userbridge token revoke"})
		})
		t.Run("user ban revokes the live credential, unban", func(t *testing.T) {
			secrets = append(secrets, strings.TrimSpace(ok(t, "", with("token", "create", "--user", "ada@example.com")...)))
			c := env.Store.Client.Credential.Query().Where(credential.UserID(ada.ID), credential.RevokedAtIsNil()).OnlyX(ctx)
			since(t)
			ok(t, "", with("user", "ban", "--user", "ada@example.com")...)
			check(t, cliEvent{kind: auditlog.UserBanned, targetType: userT, targetID: ada.PublicID, fields: []string{"status"}, route: "userbridge user ban"},
				cliEvent{kind: auditlog.CredentialRevoked, targetType: credT, targetID: auditlog.CredentialRef(c.ID, c.Kind), route: "userbridge user ban"})
			ok(t, "", with("user", "unban", "--user", ada.PublicID)...)
			check(t, cliEvent{kind: auditlog.UserUnbanned, targetType: userT, targetID: ada.PublicID, fields: []string{"status"}})
		})
		t.Run("user delete", func(t *testing.T) {
			ok(t, "", append(with("user", "delete", "--user", "ada@example.com"), "--storage", "file://"+filepath.Join(t.TempDir(), "files"))...)
			check(t, cliEvent{kind: auditlog.UserDeleted, targetType: userT, targetID: ada.PublicID})
		})
		t.Run("app create, update, rotate-secret, delete", func(t *testing.T) {
			f := strings.Fields(ok(t, "", with("app", "create", "--name", "Legacy", "--verified", "--permissions", "users:read")...))
			if len(f) != 2 {
				t.Fatalf("app create printed %v", f)
			}
			id := f[0]
			secrets = append(secrets, f[1])
			check(t, cliEvent{kind: auditlog.ApplicationCreated, targetType: appT, targetID: id})
			ok(t, "", with("app", "update", id, "--name", "Legacy 2")...)
			check(t, cliEvent{kind: auditlog.ApplicationChanged, targetType: appT, targetID: id, fields: []string{"name"}})
			ok(t, "", with("app", "update", id, "--name", "Legacy 2")...)
			check(t) // the same settings again: nothing changed, nothing recorded
			g := strings.Fields(ok(t, "", with("app", "rotate-secret", id)...))
			if len(g) != 2 {
				t.Fatalf("rotate-secret printed %v", g)
			}
			secrets = append(secrets, g[1])
			check(t, cliEvent{kind: auditlog.ApplicationSecretReset, targetType: appT, targetID: id, fields: []string{"secret_hash"}, route: "userbridge app rotate-secret"})
			ok(t, "", with("app", "delete", id)...)
			check(t, cliEvent{kind: auditlog.ApplicationDeleted, targetType: appT, targetID: id})
		})
		t.Run("no secret in any event", func(t *testing.T) {
			evs, err := env.Store.Client.AuditEvent.Query().All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all, _ := json.Marshal(evs)
			for _, s := range secrets {
				if s != "" && strings.Contains(string(all), s) {
					t.Errorf("secret %q stored in an event", s)
				}
			}
		})
	})
}
