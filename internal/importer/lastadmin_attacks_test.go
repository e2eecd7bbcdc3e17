package importer_test

import (
	"context"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/importer"
)

// TestImportBansBothAdministrators: one file banning and suspending the
// store's two administrators, one record each, leaves one of them active:
// the second record sees what the first wrote.
func TestImportBansBothAdministrators(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.Admin(t, "a@example.org")
		e.Admin(t, "b@example.org")
		a := map[string]any{"type": "user", "email": "a@example.org", "email_verified": true,
			"status": "banned", "updated_at": "2100-01-01T00:00:00Z"}
		b := map[string]any{"type": "user", "email": "b@example.org", "email_verified": true,
			"status": "suspended", "updated_at": "2100-01-01T00:00:00Z"}
		sum, rep := e.run(t, file(t, a, b), importer.Options{})
		n, err := e.Store.Client.User.Query().Where(user.RoleEQ(user.RoleAdmin), user.StatusEQ(user.StatusActive)).Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d active administrators after the import (%+v %v)", n, sum, rep)
		}
	})
}
