package auditlog

import (
	"time"

	"entgo.io/contrib/entgql"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/ent/predicate"
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
// walks the time index (ent/schema/audit_event.go says why).
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
