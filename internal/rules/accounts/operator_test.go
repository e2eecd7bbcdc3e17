package accounts_test

import (
	"context"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// TestOperatorRules covers what the command line (auth.Operator) may do
// that no credential over HTTP may: list a user's credentials, manage
// applications; and that an administrator's own token is refused, as not
// found.
func TestOperatorRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		s := dbtest.Open(t, url)
		svc := &accounts.Service{Client: s.Client}
		ctx := context.Background()
		op := auth.Operator()
		admin, err := svc.Create(ctx, op, accounts.CreateInput{Email: "root@example.com", Role: new(user.RoleAdmin)})
		if err != nil {
			t.Fatal(err)
		}
		ada, err := svc.Create(ctx, op, accounts.CreateInput{Email: "ada@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		adminViewer := &auth.Viewer{User: admin, Scopes: auth.AllScopes, Consented: true}
		app, secret, err := svc.CreateApp(ctx, "Reader", true, []string{"users:read"})
		if err != nil || secret == "" {
			t.Fatal(err)
		}
		if _, _, err := svc.Issue(ctx, accounts.IssueInput{UserEmail: "ada@example.com"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Issue(ctx, accounts.IssueInput{UserEmail: "ada@example.com", AppID: app.ClientID}); err != nil {
			t.Fatal(err)
		}

		t.Run("FindUser by e-mail (any case) or public id", func(t *testing.T) {
			for _, ref := range []string{"ADA@example.com", ada.PublicID} {
				if u, err := svc.FindUser(ctx, op, ref); err != nil || u.ID != ada.ID {
					t.Errorf("%s: %v", ref, err)
				}
			}
			for ref, reason := range map[string]string{"nobody@example.com": "unknown_user", "ZZZZZZZZ": "unknown_user",
				"x": "invalid_user", "a\x00@example.com": "invalid_email"} {
				if _, err := svc.FindUser(ctx, op, ref); apperr.As(err) == nil || apperr.As(err).Reason != reason {
					t.Errorf("%q: %v, want reason %s", ref, err, reason)
				}
			}
		})
		t.Run("another user is not found by a viewer that may not read users", func(t *testing.T) {
			v := &auth.Viewer{User: ada, Scopes: auth.AllScopes, Consented: true}
			if _, err := svc.FindUser(ctx, v, "root@example.com"); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("%v", err)
			}
		})
		t.Run("credentials: the operator lists them, an administrator's token gets not found", func(t *testing.T) {
			cs, err := svc.Credentials(ctx, op, ada)
			if err != nil || len(cs) != 2 || cs[0].Edges.Application == nil || cs[0].Edges.Application.ClientID != app.ClientID {
				t.Fatalf("%v %v", err, cs)
			}
			if _, err := svc.Credentials(ctx, adminViewer, ada); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("administrator listing another user's credentials: %v", err)
			}
			if _, err := svc.Credentials(ctx, nil, ada); !apperr.Is(err, apperr.Unauthenticated) {
				t.Fatalf("anonymous: %v", err)
			}
		})
		t.Run("applications: the operator and administrators manage them, an application never", func(t *testing.T) {
			if apps, err := svc.Applications(ctx, adminViewer); err != nil || len(apps) != 1 {
				t.Errorf("administrator lists applications: %v %v", apps, err)
			}
			v := &auth.Viewer{App: app, Scopes: auth.AppOnlyScopes}
			if _, err := svc.Applications(ctx, v); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("application lists applications: %v", err)
			}
			if _, _, err := svc.RotateSecret(ctx, v, app.ClientID); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("application rotates a secret: %v", err)
			}
			if err := svc.DeleteApplication(ctx, v, app.ClientID); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("application deletes an application: %v", err)
			}
			_, newSecret, err := svc.RotateSecret(ctx, op, app.ClientID)
			if err != nil || newSecret == secret {
				t.Fatalf("rotate: %v", err)
			}
			if err := svc.DeleteApplication(ctx, op, app.ClientID); err != nil {
				t.Fatal(err)
			}
			if cs, _ := svc.Credentials(ctx, op, ada); len(cs) != 1 {
				t.Fatalf("tokens of a deleted application remain: %v", cs)
			}
			if _, err := svc.Application(ctx, op, app.ClientID); apperr.As(err).Reason != "unknown_application" {
				t.Fatalf("deleted application: %v", err)
			}
		})
		t.Run("Issue tells an unknown user from an unknown application and refuses a negative lifetime", func(t *testing.T) {
			for in, reason := range map[*accounts.IssueInput]string{
				{UserEmail: "nobody@example.com"}:                         "unknown_user",
				{UserEmail: "ada@example.com", AppID: "nope"}:             "unknown_application",
				{UserEmail: "ada@example.com", TTL: -1}:                   "invalid_lifetime",
				{UserEmail: "ada@example.com", Scopes: []string{"admin"}}: "invalid_scope",
			} {
				if _, _, err := svc.Issue(ctx, *in); apperr.As(err) == nil || apperr.As(err).Reason != reason {
					t.Errorf("%+v: %v, want %s", *in, err, reason)
				}
			}
		})
	})
}

// TestUnknownGrantsRefused: a privilege or permission no rule reads is
// refused on every path that stores one, not stored as a grant that
// grants nothing.
func TestUnknownGrantsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		s := dbtest.Open(t, url)
		svc := &accounts.Service{Client: s.Client}
		ctx := context.Background()
		op := auth.Operator()
		check := func(t *testing.T, err error, field string) {
			t.Helper()
			if e := apperr.As(err); e == nil || e.Kind != apperr.Invalid || e.Field != field {
				t.Fatalf("%v, want invalid %s", err, field)
			}
		}
		_, err := svc.Create(ctx, op, accounts.CreateInput{Email: "a@example.com", Privileges: []string{"bogus_priv"}})
		check(t, err, "privileges")
		u, err := svc.Create(ctx, op, accounts.CreateInput{Email: "a@example.com", Privileges: []string{"manage_users"}})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.Update(ctx, op, u.ID, accounts.UpdateInput{Privileges: &[]string{"manage_users", "root"}})
		check(t, err, "privileges")
		_, _, err = svc.CreateApp(ctx, "X", true, []string{"users:delete"})
		check(t, err, "permissions")
		_, _, err = svc.CreateApp(ctx, " ", true, nil)
		check(t, err, "name")
		var n int
		if n, err = s.Client.Application.Query().Count(ctx); err != nil || n != 0 {
			t.Fatalf("applications stored: %d %v", n, err)
		}
	})
}
