package app

import (
	"context"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// openTracing returns the tracer provider the service reports to: the one
// Config.TracerProvider gives (tests), an OTLP/HTTP exporter's when
// Config.OTLPEndpoint is set, or nil: tracing off, and then no span is
// ever made, no header read, no driver wrapped. The returned function
// flushes and stops what openTracing started.
func openTracing(ctx context.Context, cfg Config) (trace.TracerProvider, func(context.Context) error, error) {
	if cfg.TracerProvider != nil {
		return cfg.TracerProvider, func(context.Context) error { return nil }, nil
	}
	if cfg.OTLPEndpoint == "" {
		return nil, func(context.Context) error { return nil }, nil
	}
	// OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL; traces go to
	// its /v1/traces (the OpenTelemetry specification). The exporter reads
	// the other OTEL_EXPORTER_OTLP_* variables (headers, timeout) itself.
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(cfg.OTLPEndpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, nil, err
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName("userbridge")))
	if err != nil {
		res = resource.Default()
	}
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the default name.
	if env, err := resource.New(ctx, resource.WithFromEnv()); err == nil {
		if merged, err := resource.Merge(res, env); err == nil {
			res = merged
		}
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return tp, tp.Shutdown, nil
}

// traced wraps the whole router in a server span per request, continuing
// the trace of an incoming W3C traceparent header. The span is renamed
// once the route is known (nameSpan).
func traced(h http.Handler, tp trace.TracerProvider) http.Handler {
	return otelhttp.NewHandler(h, "http.server",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})),
		// The query string may carry a token (?token= of the playground):
		// the span keeps the path only.
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
}

// nameSpan names the request's span for its route pattern (never the raw
// path, which holds ids) once routing is done.
func nameSpan(r *http.Request, route string) {
	span := trace.SpanFromContext(r.Context())
	if !span.IsRecording() {
		return
	}
	span.SetName(r.Method + " " + route)
	span.SetAttributes(attribute.String("http.route", route))
}
