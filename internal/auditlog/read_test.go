package auditlog_test

import (
	"context"
	"slices"
	"testing"

	"userbridge/ent"
	"userbridge/ent/migrate"
	"userbridge/ent/schema"
	"userbridge/internal/auditlog"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// TestQueryKindsThroughThePartialIndex: the kinds' index leaves
// user.changed out (ent/schema/audit_event.go), and a filter of kinds
// that leaves it out adds the index's condition. Every filter of kinds
// still answers exactly the events of those kinds, with or without
// user.changed, alone or beside other filters.
func TestQueryKindsThroughThePartialIndex(t *testing.T) {
	for _, ix := range migrate.AuditEventsTable.Indexes {
		if ix.Name == "auditevent_kind_occurred_at" &&
			(ix.Annotation == nil || ix.Annotation.Where != schema.KindIndexWhere) {
			t.Fatalf("the kinds' index is not the partial index auditlog.Query names: %+v", ix.Annotation)
		}
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		admin := e.user(auditlog.Quiet(context.Background()), t, "admin@example.com")
		ctx := requestCtx(&auth.Viewer{User: admin, Scopes: auth.AllScopes})
		recorded := map[string][]int{} // kind -> ids
		for i, k := range []auditlog.Kind{auditlog.UserChanged, auditlog.UserBanned, auditlog.UserChanged,
			"signin.failed", auditlog.UserChanged, auditlog.UserUnbanned, auditlog.CredentialRevoked, auditlog.UserChanged} {
			target := "u1"
			if i%2 == 1 {
				target = "u2"
			}
			if err := auditlog.Record(ctx, e.store.Client, auditlog.Event{Kind: k,
				Target: auditlog.Target{Type: auditlog.TargetUser, ID: target}}); err != nil {
				t.Fatal(err)
			}
		}
		for _, ev := range e.events(t) {
			recorded[ev.Kind] = append(recorded[ev.Kind], ev.ID)
		}
		for _, c := range []struct {
			name   string
			filter auditlog.Filter
		}{
			{"a rare kind", auditlog.Filter{Kinds: []string{"user.banned"}}},
			{"rare kinds", auditlog.Filter{Kinds: []string{"user.banned", "user.unbanned", "credential.revoked"}}},
			{"user.changed alone", auditlog.Filter{Kinds: []string{"user.changed"}}},
			{"user.changed and a rare kind", auditlog.Filter{Kinds: []string{"signin.failed", "user.changed"}}},
			{"a kind never recorded", auditlog.Filter{Kinds: []string{"user.deleted"}}},
			{"rare kinds of one target", auditlog.Filter{Kinds: []string{"user.banned", "user.unbanned"}, Target: "u2"}},
			{"user.changed of one target", auditlog.Filter{Kinds: []string{"user.changed"}, Target: "u1"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, err := auditlog.Query(e.store.Client, c.filter).Order(ent.Asc("id")).IDs(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var want []int
				for _, ev := range e.events(t) {
					if slices.Contains(c.filter.Kinds, ev.Kind) && (c.filter.Target == "" || ev.TargetID == c.filter.Target) {
						want = append(want, ev.ID)
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("ids %v, want %v (recorded: %v)", got, want, recorded)
				}
			})
		}
	})
}
