package app

import (
	"context"
	"net/http"

	"userbridge/graph"
	"userbridge/internal/auditlog"
)

// subscriptions are the audit trail's fan-out (auditlog.Fanout: LISTEN/
// NOTIFY on PostgreSQL, in process on SQLite) and the GraphQL endpoint
// whose WebSockets it feeds (graph/ws.go).
type subscriptions struct {
	fanout     *auditlog.Fanout
	stopListen func()
	endpoint   *graph.Handler
}

// openSubscriptions attaches the fan-out to the audit trail's
// notification points and, on PostgreSQL, starts LISTENing. Called after
// openAudit, before the routes.
func (a *App) openSubscriptions(ctx context.Context) {
	f := auditlog.NewFanout(a.Store.Dialect, a.Config.Logger)
	f.Attach(a.Audit)
	s := &subscriptions{fanout: f, stopListen: func() {}}
	if f.Postgres() {
		listenCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() {
			defer close(done)
			f.Listen(listenCtx, a.Config.DatabaseURL, nil)
		}()
		s.stopListen = func() { cancel(); <-done }
	}
	a.subs = s
}

// subscriptionOptions are the WebSocket endpoint's settings.
func (a *App) subscriptionOptions() *graph.SubscriptionOptions {
	o := a.Config.Subscriptions
	o.Auth = a.Auth
	o.Fanout = a.subs.fanout
	o.PublicURL = a.Config.PublicURL
	o.CORSOrigins = a.Config.CORSOrigins
	return &o
}

// noteEndpoint keeps the GraphQL handler, to close its WebSockets.
func (a *App) noteEndpoint(h http.Handler) {
	if g, ok := h.(*graph.Handler); ok {
		a.subs.endpoint = g
	}
}

// AuditFanout is the fan-out of audit events to this replica's
// subscribers (tests wait on its Listening).
func (a *App) AuditFanout() *auditlog.Fanout { return a.subs.fanout }

// closeSubscriptions closes every WebSocket (1001, going away) and stops
// LISTENing.
func (a *App) closeSubscriptions() {
	if a.subs == nil {
		return
	}
	if a.subs.endpoint != nil {
		a.subs.endpoint.Shutdown()
	}
	a.subs.stopListen()
}
