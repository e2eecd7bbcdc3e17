package importer_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/importer"
	"userbridge/internal/rules/accounts"
)

// An import is no way around the last administrator: a later source
// saying the store's only active administrator is banned or suspended
// leaves them active, reported as a conflict; with another active
// administrator, the source's status is taken as for anyone.
// (Reported by the attacker session, its test extended.)
func TestImportKeepsTheLastAdministrator(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		root := e.Admin(t, "root@example.org")
		year := 2100 // each source later than the last, so that its status wins but for the rule
		status := func(email, s string) (importer.Summary, []map[string]any) {
			year++
			rec := map[string]any{"type": "user", "email": email, "email_verified": true,
				"status": s, "updated_at": fmt.Sprintf("%d-01-01T00:00:00Z", year)}
			return e.run(t, file(t, rec), importer.Options{})
		}
		for _, s := range []string{"banned", "suspended"} {
			sum, rep := status("root@example.org", s)
			u, err := e.Store.Client.User.Get(context.Background(), root.ID)
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != user.RoleAdmin || u.Status != user.StatusActive {
				t.Errorf("imported %s: the last administrator is now %s %s (%+v %v)", s, u.Role, u.Status, sum, rep)
			}
			if !slices.Contains(reasons(rep, "conflict"), accounts.ReasonLastAdministrator) {
				t.Errorf("imported %s: no %s conflict reported: %v", s, accounts.ReasonLastAdministrator, rep)
			}
		}
		e.Admin(t, "second@example.org")
		if sum, rep := status("root@example.org", "suspended"); sum.Merged != 1 {
			t.Fatalf("with another administrator: %+v %v", sum, rep)
		}
		if u := e.byEmail(t, "root@example.org"); u.Status != user.StatusSuspended {
			t.Fatalf("with another administrator the source's status is kept: got %s", u.Status)
		}
	})
}
