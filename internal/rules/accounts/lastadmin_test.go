package accounts_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"userbridge/ent"
	"userbridge/ent/hook"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// TestLastAdministratorStays: every way of removing an active
// administrator (demotion by role or by flags, suspension, ban, deletion,
// deleting oneself) is refused for the last one, forbidden with reason
// last_administrator, and allowed while another remains; only the operator
// may force it.
func TestLastAdministratorStays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		s := dbtest.Open(t, url)
		svc := &accounts.Service{Client: s.Client, Dialect: s.Dialect}
		ctx := context.Background()
		op := auth.Operator()
		root, err := svc.Create(ctx, op, accounts.CreateInput{Email: "root@example.com", Role: new(user.RoleAdmin)})
		if err != nil {
			t.Fatal(err)
		}
		self := &auth.Viewer{User: root, Scopes: auth.AllScopes, Consented: true}
		last := func(t *testing.T, what string, err error) {
			t.Helper()
			if e := apperr.As(err); e == nil || e.Kind != apperr.Forbidden || e.Reason != accounts.ReasonLastAdministrator {
				t.Errorf("%s: %v, want forbidden last_administrator", what, err)
			}
		}
		for what, in := range map[string]accounts.UpdateInput{
			"role user":           {Role: new(user.RoleUser)},
			"flags 0":             {Flags: new(0)},
			"suspended":           {Status: new(user.StatusSuspended)},
			"suspended and admin": {Status: new(user.StatusSuspended), Role: new(user.RoleAdmin)},
		} {
			_, _, err := svc.Update(ctx, self, root.ID, in)
			last(t, "update "+what, err)
			_, _, err = svc.Update(ctx, op, root.ID, in)
			last(t, "operator update "+what, err)
		}
		_, err = svc.Ban(ctx, op, root.ID)
		last(t, "ban", err)
		last(t, "delete", svc.Delete(ctx, op, root.ID))
		last(t, "delete oneself", svc.DeleteViewer(ctx, self))
		last(t, "forced by an administrator over HTTP", svc.DeleteViewer(accounts.ForceLastAdmin(ctx), self))
		if u, err := svc.Get(ctx, op, root.ID); err != nil || u.Role != user.RoleAdmin || u.Status != user.StatusActive || u.Flags&1 != 1 {
			t.Fatalf("the administrator changed: %+v %v", u, err)
		}
		if _, _, err := svc.Update(ctx, self, root.ID, accounts.UpdateInput{FirstName: new("Root")}); err != nil {
			t.Errorf("another change of the last administrator: %v", err)
		}

		second, err := svc.Create(ctx, op, accounts.CreateInput{Email: "second@example.com", Role: new(user.RoleAdmin)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Update(ctx, self, root.ID, accounts.UpdateInput{Role: new(user.RoleUser)}); err != nil {
			t.Fatalf("demoting oneself while another administrator remains: %v", err)
		}
		_, _, err = svc.Update(ctx, op, second.ID, accounts.UpdateInput{Flags: new(2)})
		last(t, "demote the remaining one by flags", err)
		if _, err := svc.Ban(accounts.ForceLastAdmin(ctx), op, second.ID); err != nil {
			t.Fatalf("the operator forcing: %v", err)
		}
	})
}

// TestLastAdministratorConcurrentDemotions: two administrators demoting
// themselves at the same moment, each seeing the other still there, must
// not leave the store without one. A hook holds each transaction after its
// write until the other has written too (or a moment has passed, when the
// other is waiting for a lock): without the lock both would commit.
func TestLastAdministratorConcurrentDemotions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		s := dbtest.Open(t, url)
		svc := &accounts.Service{Client: s.Client, Dialect: s.Dialect}
		ctx := context.Background()
		op := auth.Operator()
		var admins [2]*ent.User
		for i, email := range []string{"a@example.com", "b@example.com"} {
			u, err := svc.Create(ctx, op, accounts.CreateInput{Email: email, Role: new(user.RoleAdmin)})
			if err != nil {
				t.Fatal(err)
			}
			admins[i] = u
		}
		var mu sync.Mutex
		written := 0
		both := make(chan struct{})
		s.Client.User.Use(func(next ent.Mutator) ent.Mutator {
			return hook.UserFunc(func(ctx context.Context, m *ent.UserMutation) (ent.Value, error) {
				v, err := next.Mutate(ctx, m)
				if role, ok := m.Role(); ok && role == user.RoleUser && err == nil {
					mu.Lock()
					written++
					if written == 2 {
						close(both)
					}
					mu.Unlock()
					select {
					case <-both:
					case <-time.After(500 * time.Millisecond):
					}
				}
				return v, err
			})
		})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, u := range admins {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v := &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
				_, _, errs[i] = svc.Update(ctx, v, u.ID, accounts.UpdateInput{Role: new(user.RoleUser)})
			}()
		}
		wg.Wait()
		n, err := s.Client.User.Query().Where(user.RoleEQ(user.RoleAdmin), user.StatusEQ(user.StatusActive)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d active administrators left; errors %v", n, errs)
		}
		refused := 0
		for _, err := range errs {
			if err != nil {
				refused++
				if e := apperr.As(err); e.Reason != accounts.ReasonLastAdministrator {
					t.Errorf("refused with %v, want last_administrator", err)
				}
			}
		}
		if refused != 1 {
			t.Errorf("errors %v: want exactly one refusal", errs)
		}
	})
}
