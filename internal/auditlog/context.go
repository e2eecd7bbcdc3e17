package auditlog

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/otel/trace"

	"userbridge/ent/auditevent"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
)

type ctxKey int

const (
	transportKey ctxKey = iota
	quietKey
	reasonKey
	operatorKey
	routeKey
)

// WithOperator returns ctx of an administration command: its actions are
// the operator's (ActorOf) through the command line (TransportCLI), for the
// rules take the operator's viewer as an argument, not from ctx.
func WithOperator(ctx context.Context) context.Context {
	return context.WithValue(WithTransport(ctx, TransportCLI), operatorKey, true)
}

// WithTransport returns ctx naming the transport of what it does: the
// command line and the importer say so; HTTP requests need not, their
// route tells (transportOf).
func WithTransport(ctx context.Context, transport string) context.Context {
	return context.WithValue(ctx, transportKey, transport)
}

// WithRoute returns ctx naming the route of what it does where no HTTP
// route does: the command line names its command ("userbridge user ban").
func WithRoute(ctx context.Context, route string) context.Context {
	return context.WithValue(ctx, routeKey, route)
}

// Quiet returns ctx under which the ent hooks (hooks.go) record nothing:
// for a writer that records one event of its own for many rows (an import
// run) or whose writes are no action of anyone (a password hash upgraded at
// sign-in). Record itself still records.
func Quiet(ctx context.Context) context.Context { return context.WithValue(ctx, quietKey, true) }

func quiet(ctx context.Context) bool { q, _ := ctx.Value(quietKey).(bool); return q }

// WithReason returns ctx carrying the reason the ent hooks write on the
// events they record under it: a ban's reason, a revocation's.
func WithReason(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, reasonKey, reason)
}

func reasonOf(ctx context.Context) string { r, _ := ctx.Value(reasonKey).(string); return r }

// ActorOf is who acts in ctx: the request's viewer (auth.FromContext), the
// operator for the command line, or anonymous.
func ActorOf(ctx context.Context) Actor {
	v := auth.FromContext(ctx)
	switch {
	case v == nil && ctx.Value(operatorKey) != nil:
		return Actor{Kind: auditevent.ActorKindOperator}
	case v == nil:
		return Actor{Kind: auditevent.ActorKindAnonymous}
	case v.IsOperator():
		return Actor{Kind: auditevent.ActorKindOperator}
	}
	a := Actor{Kind: auditevent.ActorKindUser}
	if v.User != nil {
		a.User = v.User.PublicID
	} else {
		a.Kind = auditevent.ActorKindApplication
	}
	if v.App != nil {
		a.Application = v.App.ClientID
	}
	if v.Credential != nil {
		a.Credential = CredentialRef(v.Credential.ID, v.Credential.Kind)
	}
	return a
}

// prefixes map a route's first segment to its transport. Under /v1 are the
// Users API v1, under /api/v1/users Edu-Platform, under /rest Maarch,
// under /users and /files Edu-Focus, the rest is OAuth's screens and
// endpoints.
var prefixes = []struct{ prefix, transport string }{
	{"/graphql", TransportGraphQL},
	{"/api/v1/users", TransportEduPlatform},
	{"/v1/", TransportUsersV1},
	{"/rest/", TransportMaarch},
	{"/users", TransportEduFocus},
	{"/files", TransportEduFocus},
	{"/oauth/", TransportOAuth},
	{"/account", TransportOAuth},
	{"/.well-known/", TransportOAuth},
}

// operationName is the name of the GraphQL operation of ctx. The access
// log's facts name it only once the response is written, after the
// mutation's events are recorded; during execution gqlgen's operation
// context has it.
func operationName(ctx context.Context) string {
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Name != "" {
			return op.Name
		}
	}
	return reqinfo.FactsOf(ctx).Operation
}

// transportOf and routeOf read the transport and route of ctx: what
// WithTransport set, else the request's route pattern as chi matched it
// (the same pattern the access log and the metrics show), with the GraphQL
// operation's name after /graphql.
func transportOf(ctx context.Context) (transport, route string) {
	if rc := chi.RouteContext(ctx); rc != nil && rc.RoutePattern() != "" {
		pattern := rc.RoutePattern()
		route = rc.RouteMethod + " " + pattern
		if rc.RouteMethod == "" {
			route = pattern
		}
		for _, p := range prefixes {
			if strings.HasPrefix(pattern, p.prefix) {
				transport = p.transport
				break
			}
		}
		if transport == TransportGraphQL {
			if op := operationName(ctx); op != "" {
				route += " " + op
			}
		}
	}
	if t, ok := ctx.Value(transportKey).(string); ok {
		transport = t
	}
	if r, ok := ctx.Value(routeKey).(string); ok && route == "" {
		route = r
	}
	if transport == "" {
		transport = TransportInternal
		if v := auth.FromContext(ctx); v.IsOperator() {
			transport = TransportCLI
		}
	}
	return transport, route
}

// traceID is ctx's trace id, or "" when tracing is off.
func traceID(ctx context.Context) string {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		return sc.TraceID().String()
	}
	return ""
}
