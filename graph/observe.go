package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"userbridge/internal/edge/reqinfo"
)

// Observer counts GraphQL operations by name, type and outcome, names the
// operation in the request's log line and, when tracing is on, wraps each
// operation in a span. It intercepts operations and responses only, never
// fields: plain scalar fields are marshaled without field middleware
// (graph/gqlgen/plain.go), and a per-field hook would cost every field of
// every page.
type Observer struct {
	operations *prometheus.CounterVec
	// direct counts the queries answered directly (direct.go) and those
	// whose direct answer was dropped for the executor's.
	direct *prometheus.CounterVec
	tracer trace.Tracer // nil: tracing off
	names  *boundedNames
}

// Operation names are chosen by clients: past maxOperationNames distinct
// names, new ones are counted as "(other)" so that no client can grow the
// metric without bound.
const maxOperationNames = 200

// Label values that are not a client's operation name.
const (
	opAnonymous = "(anonymous)" // a valid operation without a name
	opUnknown   = "(unknown)"   // the request never named a valid operation
	opOther     = "(other)"     // past maxOperationNames
)

// NewObserver registers the operation counter on reg; tp, when not nil,
// traces every operation.
func NewObserver(reg prometheus.Registerer, tp trace.TracerProvider) *Observer {
	o := &Observer{
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "userbridge_graphql_operations_total",
			Help: "GraphQL operations by operation name, type (query, mutation; unknown when the document did not validate) and outcome (ok, or the first error's extensions.code).",
		}, []string{"operation", "type", "outcome"}),
		direct: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "userbridge_graphql_direct_answers_total",
			Help: "GraphQL queries written in one pass without gqlgen's executor (outcome answered), and those tried but answered by the executor after all (outcome fell_back: an error, a null or a panic on the way).",
		}, []string{"outcome"}),
		names: &boundedNames{},
	}
	reg.MustRegister(o.operations, o.direct)
	if tp != nil {
		o.tracer = tp.Tracer("userbridge/graph")
	}
	return o
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = (*Observer)(nil)

// ExtensionName implements graphql.HandlerExtension.
func (*Observer) ExtensionName() string { return "Observer" }

// Validate implements graphql.HandlerExtension.
func (*Observer) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation opens the operation's span (tracing on only); the
// response handler closes it with the outcome.
func (o *Observer) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if o.tracer == nil {
		return next(ctx)
	}
	name, typ := operationOf(ctx)
	spanName := "graphql." + typ
	if name != "" {
		spanName += " " + name
	}
	ctx, span := o.tracer.Start(ctx, spanName, trace.WithAttributes(
		attribute.String("graphql.operation.type", typ),
		attribute.String("graphql.operation.name", name),
	))
	handler := next(ctx)
	// gqlgen resolves queries and mutations when the response handler is
	// called, with the transport's context: the span goes into that one, so
	// that resolvers' SQL statements are its children.
	return func(ctx context.Context) *graphql.Response {
		resp := handler(trace.ContextWithSpan(ctx, span))
		if resp == nil {
			span.End()
			return nil
		}
		if code := outcome(resp); code != "ok" {
			span.SetStatus(otelcodes.Error, code)
			span.SetAttributes(attribute.String("graphql.error.code", code))
		}
		span.End()
		return resp
	}
}

// InterceptResponse counts every response, those refused before execution
// (parse, validation, limits) included, and names the operation for the
// access log.
func (o *Observer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	name, typ := operationOf(ctx)
	reqinfo.FactsOf(ctx).Operation = name
	label := opUnknown
	switch {
	case typ == "unknown":
	case name == "":
		label = opAnonymous
	default:
		label = o.names.label(name)
	}
	o.operations.WithLabelValues(label, typ, outcome(resp)).Inc()
	return resp
}

// operationOf returns the operation's name and type ("unknown" when the
// document did not parse or name a valid operation).
func operationOf(ctx context.Context) (name, typ string) {
	if !graphql.HasOperationContext(ctx) {
		return "", "unknown"
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return "", "unknown"
	}
	switch oc.Operation.Operation {
	case ast.Mutation:
		typ = "mutation"
	case ast.Subscription:
		typ = "subscription"
	default:
		typ = "query"
	}
	return oc.Operation.Name, typ
}

// knownCodes are the extensions.code values the API documents; any other is
// counted as OTHER, keeping the outcome label bounded.
var knownCodes = map[string]bool{
	"UNAUTHENTICATED": true, "FORBIDDEN": true, "NOT_FOUND": true, "BAD_USER_INPUT": true,
	"CONFLICT": true, "RATE_LIMITED": true, "PAYLOAD_TOO_LARGE": true, "INTERNAL": true, "UNAVAILABLE": true,
	"DEPTH_LIMIT_EXCEEDED": true, "ALIAS_LIMIT_EXCEEDED": true, "DIRECTIVE_LIMIT_EXCEEDED": true,
	"SELECTION_LIMIT_EXCEEDED": true, "COMPLEXITY_LIMIT_EXCEEDED": true, "ANSWER_BYTES_LIMIT_EXCEEDED": true,
	"GRAPHQL_PARSE_FAILED": true, "GRAPHQL_VALIDATION_FAILED": true,
	"PERSISTED_QUERY_NOT_FOUND": true, "PERSISTED_QUERY_NOT_SUPPORTED": true,
}

// outcome is "ok" for a response without errors, else the first error's
// code.
func outcome(resp *graphql.Response) string {
	if len(resp.Errors) == 0 {
		return "ok"
	}
	code, _ := resp.Errors[0].Extensions["code"].(string)
	if knownCodes[code] {
		return code
	}
	return "OTHER"
}

// boundedNames admits the first maxOperationNames distinct names as labels.
// A known name is found without a lock (every request asks).
type boundedNames struct {
	known sync.Map // name → struct{}
	mu    sync.Mutex
	n     int
}

func (b *boundedNames) label(name string) string {
	if _, ok := b.known.Load(name); ok {
		return name
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.known.Load(name); ok {
		return name
	}
	if b.n >= maxOperationNames {
		return opOther
	}
	b.n++
	b.known.Store(name, struct{}{})
	return name
}

// noteDirect counts a direct answer (direct.go): written, or dropped for
// the executor's.
func (o *Observer) noteDirect(answered bool) {
	if o == nil {
		return
	}
	if answered {
		o.direct.WithLabelValues("answered").Inc()
	} else {
		o.direct.WithLabelValues("fell_back").Inc()
	}
}
