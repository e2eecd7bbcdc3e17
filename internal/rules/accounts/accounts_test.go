package accounts_test

import (
	"context"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

func TestBootstrapAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		s := dbtest.Open(t, url)
		svc := &accounts.Service{Client: s.Client}
		ctx := context.Background()
		admin := user.RoleAdmin
		u, err := svc.Bootstrap(ctx, accounts.CreateInput{Email: "Ada@Example.com", Password: new("correct horse"), Role: &admin})
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != 1 || u.Flags != 1 || u.Login != "ada@example.com" || u.Username != "ada" || len(u.PublicID) != 8 {
			t.Fatalf("got %+v", u)
		}
		_, err = svc.Bootstrap(ctx, accounts.CreateInput{Email: "ada@EXAMPLE.com"})
		if e := apperr.As(err); e == nil || e.Kind != apperr.Conflict || e.Reason != accounts.ReasonEmailTaken {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		// The database itself refuses a role that disagrees with flag 0x1.
		_, err = s.Client.ExecContext(ctx, "UPDATE users SET flags = 0 WHERE id = 1")
		if err == nil {
			t.Fatal("check constraint did not refuse role admin without flag 0x1")
		}
	})
}
