package graph

import (
	"context"
	"sort"

	"userbridge/ent"
	"userbridge/graph/model"
	"userbridge/graph/relay"
	"userbridge/internal/auditlog"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// auditEvents pages through the audit trail, newest first, for a viewer
// policy.ReadAuditEvents lets read it: the filters become auditlog.Query,
// the page size and cursors are every connection's.
func (r *Resolver) auditEvents(ctx context.Context, after *relay.Cursor, first *int, before *relay.Cursor,
	last *int, filter *model.AuditEventFilter) (*ent.AuditEventConnection, error) {
	if err := policy.ReadAuditEvents(auth.FromContext(ctx)); err != nil {
		return nil, err
	}
	f := auditFilter(filter)
	if filter != nil && filter.Since != nil {
		f.Since = *filter.Since
	}
	if filter != nil && filter.Until != nil {
		f.Until = *filter.Until
	}
	return auditlog.Query(r.Client, f).Paginate(paginationView(ctx), after, first, before, last,
		ent.WithAuditEventOrder(auditlog.NewestFirst))
}

// auditDetails lists ev's details sorted by key, so that an answer reads
// the same each time.
func auditDetails(ev *ent.AuditEvent) []*model.AuditEventDetail {
	out := make([]*model.AuditEventDetail, 0, len(ev.Details))
	for k, v := range ev.Details {
		out = append(out, &model.AuditEventDetail{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
