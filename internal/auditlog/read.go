package auditlog

import (
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"entgo.io/contrib/entgql"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/ent/predicate"
	"userbridge/ent/schema"
)

// Filter narrows a reading of the trail; zero fields do not narrow.
type Filter struct {
	Actor      string // a user's public id, an application's client id or a credential's short id
	ActorKind  auditevent.ActorKind
	Target     string // the target's public id
	TargetType string
	Kinds      []string
	Since      time.Time // at or after
	Until      time.Time // before
}

// Query selects the events f matches from c. The target and the kinds
// have their index, ending in the time the pages are ordered by; the actor
// walks the time index (ent/schema/audit_event.go says why). The kinds'
// index is partial, without user.changed: a filter of kinds that leaves
// it out repeats the index's condition (kindIndexed), which SQLite and
// PostgreSQL need to see in the query to use the index.
func Query(c *ent.Client, f Filter) *ent.AuditEventQuery {
	var ps []predicate.AuditEvent
	if f.Actor != "" {
		ps = append(ps, auditevent.Or(auditevent.ActorUser(f.Actor), auditevent.ActorApplication(f.Actor),
			auditevent.ActorCredential(f.Actor)))
	}
	if f.ActorKind != "" {
		ps = append(ps, auditevent.ActorKindEQ(f.ActorKind))
	}
	if f.Target != "" {
		ps = append(ps, auditevent.TargetID(f.Target))
	}
	if f.TargetType != "" {
		ps = append(ps, auditevent.TargetType(f.TargetType))
	}
	if len(f.Kinds) > 0 {
		ps = append(ps, auditevent.KindIn(f.Kinds...))
		if !slices.Contains(f.Kinds, string(UserChanged)) {
			ps = append(ps, kindIndexed)
		}
	}
	if !f.Since.IsZero() {
		ps = append(ps, auditevent.OccurredAtGTE(f.Since))
	}
	if !f.Until.IsZero() {
		ps = append(ps, auditevent.OccurredAtLT(f.Until))
	}
	return c.AuditEvent.Query().Where(ps...)
}

// NewestFirst is the order of every reading: by time, then by id.
var NewestFirst = &ent.AuditEventOrder{Direction: entgql.OrderDirectionDesc, Field: ent.AuditEventOrderFieldOccurredAt}

// kindIndexed is the condition of the kinds' partial index
// (schema.KindIndexWhere), as it is written there: SQLite uses a partial
// index only for a query whose WHERE has the index's condition as a term.
// It names the column unqualified, as the index does; the events' reads
// join no other table with a kind.
var kindIndexed = predicate.AuditEvent(func(s *sql.Selector) {
	s.Where(sql.ExprP(schema.KindIndexWhere))
})
