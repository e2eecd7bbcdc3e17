package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/graph/model"
	"userbridge/internal/apperr"
	"userbridge/internal/auditlog"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// authorizeAuditSubscription is the auditEvents query's rule.
func authorizeAuditSubscription(v *auth.Viewer) error { return policy.ReadAuditEvents(v) }

// fanoutBuffer is how many events a subscriber may fall behind by before
// it is ended with an error rather than slowing the others down.
const fanoutBuffer = 256

// subscribeAuditEvents is Subscription.auditEvents: refused (an error on
// subscribe, nothing delivered) unless the connection's viewer may read
// the trail; then each committed event that passes the filter, loaded by
// its id through the query's own filter, with the viewer of the
// connection's last check.
func (r *Resolver) subscribeAuditEvents(ctx context.Context, filter *model.AuditEventFilter) (<-chan *ent.AuditEvent, error) {
	s := sessionOf(ctx)
	if s == nil || s.endpoint.opts.Fanout == nil {
		return nil, apperr.New(apperr.Invalid, "websocket_only", "subscriptions are served over a WebSocket at /graphql (graphql-transport-ws)")
	}
	if err := authorizeAuditSubscription(s.currentViewer()); err != nil {
		return nil, err
	}
	if int(s.subs.Add(1)) > s.endpoint.opts.PerConnection {
		s.subs.Add(-1)
		return nil, apperr.New(apperr.RateLimited, "too_many_subscriptions", "this connection has as many subscriptions as it may")
	}
	f := auditFilter(filter)
	l := s.endpoint.opts.Fanout.Subscribe(fanoutBuffer)
	out := make(chan *ent.AuditEvent)
	go func() {
		defer close(out)
		defer s.subs.Add(-1)
		defer l.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case n, ok := <-l.C:
				if !ok {
					transport.AddSubscriptionError(ctx, &gqlerror.Error{Message: "the subscriber fell too far behind",
						Extensions: map[string]any{"code": "UNAVAILABLE", "reason": "subscriber_too_slow"}})
					return
				}
				v := s.currentViewer()
				if authorizeAuditSubscription(v) != nil {
					return // the re-check closes the connection
				}
				ev, err := auditlog.Query(r.Client, f).Where(auditevent.ID(n.ID)).Only(auth.NewContext(ctx, v))
				if err != nil {
					continue // filtered out, or gone already
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// auditFilter is an AuditEventFilter without its time bounds: the whole
// filter of a subscription (events arrive as they happen), and the query's
// before it adds since and until.
func auditFilter(filter *model.AuditEventFilter) auditlog.Filter {
	var f auditlog.Filter
	if filter == nil {
		return f
	}
	f.Kinds = filter.Kinds
	if filter.Actor != nil {
		f.Actor = *filter.Actor
	}
	if filter.ActorKind != nil {
		f.ActorKind = *filter.ActorKind
	}
	if filter.Target != nil {
		f.Target = *filter.Target
	}
	if filter.TargetType != nil {
		f.TargetType = *filter.TargetType
	}
	return f
}
