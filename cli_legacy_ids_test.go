package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"userbridge/ent/legacyid"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db/dbtest"
)

// TestUserShowPrintsLegacyIDs: user show prints the ids a user has in each
// dialect, an imported one where an import gave it.
func TestUserShowPrintsLegacyIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		with := func(args ...string) []string { return append(args, store(t, dbURL)...) }
		f := strings.Fields(ok(t, "", with("user", "create", "--email", "ada@example.com")...))
		pid := f[1]
		s := dbtest.Open(t, dbURL)
		u, err := s.Client.User.Query().Only(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := legacyids.Assign(context.Background(), s.Client, u.ID, legacyid.DialectMaarch, "1717"); err != nil {
			t.Fatal(err)
		}
		want := "legacy ids: eduplatform " + f[0] + ", edufocus " + pid + ", usersv1 usr_" + pid + ", maarch 1717\n"
		if out := ok(t, "", with("user", "show", "--user", pid)...); !strings.Contains(out, want) {
			t.Fatalf("user show:\n%s\nwant a line %q", out, want)
		}
		var j userJSON
		if err := json.Unmarshal([]byte(ok(t, "", with("user", "show", "--user", pid, "--json")...)), &j); err != nil {
			t.Fatal(err)
		}
		if j.LegacyIDs == nil || j.LegacyIDs.Maarch != 1717 || j.LegacyIDs.Eduplatform != u.ID || j.LegacyIDs.Usersv1 != "usr_"+pid {
			t.Fatalf("user show --json: legacy_ids %+v", j.LegacyIDs)
		}
	})
}
