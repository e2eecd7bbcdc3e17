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

// activeAdmins counts the store's active administrators.
func activeAdmins(t *testing.T, c *ent.Client) int {
	t.Helper()
	n, err := c.User.Query().Where(user.RoleEQ(user.RoleAdmin), user.StatusEQ(user.StatusActive)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// firstParty is u's own consented sign-in.
func firstParty(u *ent.User) *auth.Viewer {
	return &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
}

// TestLastAdministratorAttacks: the ways round the last administrator
// that TestLastAdministratorStays does not try. A suspended administrator
// is no administrator to fall back on; a manager (manage_users) cannot
// remove an administrator at all; two administrators removing each other
// at the same moment by different means (a ban and a ban, a demotion and
// a deletion) leave one. And the rule does not block what leaves one:
// demoting or banning a suspended administrator, keeping bit 0x1 among
// other flags.
func TestLastAdministratorAttacks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		s := dbtest.Open(t, url)
		svc := &accounts.Service{Client: s.Client, Dialect: s.Dialect}
		ctx := context.Background()
		op := auth.Operator()
		mk := func(t *testing.T, email string, in accounts.CreateInput) *ent.User {
			t.Helper()
			in.Email = email
			u, err := svc.Create(ctx, op, in)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		last := func(t *testing.T, what string, err error) {
			t.Helper()
			if e := apperr.As(err); e == nil || e.Kind != apperr.Forbidden || e.Reason != accounts.ReasonLastAdministrator {
				t.Errorf("%s: %v, want forbidden last_administrator", what, err)
			}
		}
		root := mk(t, "root@example.com", accounts.CreateInput{Role: new(user.RoleAdmin)})
		dormant := mk(t, "dormant@example.com", accounts.CreateInput{Role: new(user.RoleAdmin), Status: new(user.StatusSuspended)})

		t.Run("a suspended administrator does not count", func(t *testing.T) {
			_, _, err := svc.Update(ctx, firstParty(root), root.ID, accounts.UpdateInput{Role: new(user.RoleUser)})
			last(t, "demoting oneself beside a suspended administrator", err)
			last(t, "deleting oneself beside a suspended administrator", svc.DeleteViewer(ctx, firstParty(root)))
			// Removing the suspended one leaves root: allowed.
			if _, _, err := svc.Update(ctx, firstParty(root), dormant.ID, accounts.UpdateInput{Flags: new(2)}); err != nil {
				t.Errorf("demoting a suspended administrator: %v", err)
			}
			if _, err := svc.Ban(ctx, firstParty(root), dormant.ID); err != nil {
				t.Errorf("banning a suspended administrator: %v", err)
			}
			// Bit 0x1 kept among other flags: still an administrator.
			if _, _, err := svc.Update(ctx, firstParty(root), root.ID, accounts.UpdateInput{Flags: new(3)}); err != nil {
				t.Errorf("flags 3 on the last administrator: %v", err)
			}
			if activeAdmins(t, s.Client) != 1 {
				t.Fatal("the last administrator went")
			}
		})

		t.Run("a manager cannot remove an administrator", func(t *testing.T) {
			mgr := firstParty(mk(t, "manager@example.com", accounts.CreateInput{Privileges: []string{"manage_users"}}))
			second := mk(t, "second@example.com", accounts.CreateInput{Role: new(user.RoleAdmin)})
			for _, target := range []*ent.User{root, second} {
				for what, in := range map[string]accounts.UpdateInput{
					"role user": {Role: new(user.RoleUser)}, "flags 0": {Flags: new(0)},
					"suspended": {Status: new(user.StatusSuspended)}, "banned": {Status: new(user.StatusBanned)},
				} {
					if _, _, err := svc.Update(ctx, mgr, target.ID, in); !apperr.Is(err, apperr.Forbidden) && !apperr.Is(err, apperr.NotFound) {
						t.Errorf("a manager's update %s of %s: %v", what, target.Email, err)
					}
				}
				if _, err := svc.Ban(ctx, mgr, target.ID); err == nil {
					t.Errorf("a manager banned %s", target.Email)
				}
				if err := svc.Delete(ctx, mgr, target.ID); err == nil {
					t.Errorf("a manager deleted %s", target.Email)
				}
			}
			if activeAdmins(t, s.Client) != 2 {
				t.Fatal("a manager removed an administrator")
			}
			if err := svc.Delete(ctx, firstParty(root), second.ID); err != nil {
				t.Fatalf("deleting another administrator while one remains: %v", err)
			}
		})

		// Two administrators remove each other at once, each seeing the
		// other still there; a hook holds each transaction after its
		// write until the other has written (or a moment has passed,
		// when it waits for a lock). Exactly one must be refused.
		race := func(t *testing.T, name string, act [2]func(a, b *ent.User) error) {
			t.Run(name, func(t *testing.T) {
				a := mk(t, name+"-a@example.com", accounts.CreateInput{Role: new(user.RoleAdmin)})
				b := mk(t, name+"-b@example.com", accounts.CreateInput{Role: new(user.RoleAdmin)})
				// root steps aside first, so that a and b are the only two.
				if _, _, err := svc.Update(ctx, firstParty(root), root.ID, accounts.UpdateInput{Role: new(user.RoleUser)}); err != nil {
					t.Fatal(err)
				}
				defer func() {
					if _, _, err := svc.Update(ctx, op, root.ID, accounts.UpdateInput{Role: new(user.RoleAdmin)}); err != nil {
						t.Fatal(err)
					}
					// The survivor leaves too: the next race starts with two.
					if _, err := s.Client.User.Update().Where(user.IDIn(a.ID, b.ID)).SetStatus(user.StatusSuspended).Save(ctx); err != nil {
						t.Fatal(err)
					}
				}()
				var mu sync.Mutex
				written, armed := 0, true
				both := make(chan struct{})
				s.Client.User.Use(func(next ent.Mutator) ent.Mutator {
					return hook.UserFunc(func(ctx context.Context, m *ent.UserMutation) (ent.Value, error) {
						v, err := next.Mutate(ctx, m)
						role, _ := m.Role()
						status, _ := m.Status()
						if err != nil || !(role == user.RoleUser || status == user.StatusBanned || status == user.StatusSuspended || m.Op().Is(ent.OpDelete|ent.OpDeleteOne)) {
							return v, err
						}
						mu.Lock()
						if !armed {
							mu.Unlock()
							return v, err
						}
						written++
						if written == 2 {
							close(both)
							armed = false
						}
						mu.Unlock()
						select {
						case <-both:
						case <-time.After(500 * time.Millisecond):
						}
						return v, err
					})
				})
				defer func() { mu.Lock(); armed = false; mu.Unlock() }()
				errs := make([]error, 2)
				var wg sync.WaitGroup
				for i := range act {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if i == 0 {
							errs[i] = act[i](a, b)
						} else {
							errs[i] = act[i](b, a)
						}
					}()
				}
				wg.Wait()
				if n := activeAdmins(t, s.Client); n != 1 {
					t.Fatalf("%d active administrators left; errors %v", n, errs)
				}
				refused := 0
				for _, err := range errs {
					if err != nil {
						refused++
						last(t, name, err)
					}
				}
				if refused != 1 {
					t.Errorf("errors %v: want exactly one refusal", errs)
				}
			})
		}
		ban := func(me, other *ent.User) error { _, err := svc.Ban(ctx, firstParty(me), other.ID); return err }
		demoteSelf := func(me, _ *ent.User) error {
			_, _, err := svc.Update(ctx, firstParty(me), me.ID, accounts.UpdateInput{Role: new(user.RoleUser)})
			return err
		}
		deleteSelf := func(me, _ *ent.User) error { return svc.DeleteViewer(ctx, firstParty(me)) }
		suspend := func(me, other *ent.User) error {
			_, _, err := svc.Update(ctx, firstParty(me), other.ID, accounts.UpdateInput{Status: new(user.StatusSuspended)})
			return err
		}
		race(t, "mutual-bans", [2]func(a, b *ent.User) error{ban, ban})
		race(t, "demotion-and-deletion", [2]func(a, b *ent.User) error{demoteSelf, deleteSelf})
		race(t, "ban-and-suspension", [2]func(a, b *ent.User) error{ban, suspend})
	})
}
