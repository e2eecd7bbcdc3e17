package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// A request carrying a W3C traceparent continues the caller's trace: the
// HTTP span is the caller's child, the GraphQL operation the HTTP span's,
// and each SQL statement of the resolvers the operation's.
func TestTracing(t *testing.T) {
	const (
		traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		parent  = "00f067aa0ba902b7"
	)
	dbtest.Each(t, func(t *testing.T, url string) {
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		var logs bytes.Buffer
		env := apptest.New(t, url, func(c *app.Config) {
			c.TracerProvider = tp
			c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		})
		token := env.Token(t, env.Admin(t, "trace@example.com"))
		exp.Reset()
		logs.Reset()

		req := apptest.Request(http.MethodPost, "/graphql?token=secret-in-query", token,
			`{"query":"query Page { users(first: 2) { totalCount edges { node { email } } } }","operationName":"Page"}`)
		req.Header.Set("traceparent", "00-"+traceID+"-"+parent+"-01")
		if rec := env.Do(req); rec.Code != 200 || strings.Contains(rec.Body.String(), `"errors"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if !strings.Contains(logs.String(), `"trace_id":"`+traceID+`"`) {
			t.Errorf("the access log does not name the trace: %s", logs.String())
		}
		spans := exp.GetSpans()
		byName := map[string]tracetest.SpanStub{}
		for _, s := range spans {
			if s.SpanContext.TraceID().String() != traceID {
				t.Errorf("span %q left the caller's trace: %s", s.Name, s.SpanContext.TraceID())
			}
			for _, kv := range s.Attributes {
				if strings.Contains(kv.Value.String(), "secret-in-query") || strings.Contains(kv.Value.String(), token) {
					t.Errorf("span %q attribute %s carries a credential: %s", s.Name, kv.Key, kv.Value.String())
				}
			}
			if _, dup := byName[s.Name]; !dup {
				byName[s.Name] = s
			}
		}
		httpSpan, ok := byName["POST /graphql"]
		if !ok {
			t.Fatalf("no HTTP span named for its route; spans: %v", names(spans))
		}
		if httpSpan.Parent.SpanID().String() != parent || !httpSpan.Parent.IsRemote() {
			t.Errorf("HTTP span's parent %s, want the caller's %s", httpSpan.Parent.SpanID(), parent)
		}
		if httpSpan.SpanKind != trace.SpanKindServer {
			t.Errorf("HTTP span kind %v", httpSpan.SpanKind)
		}
		op, ok := byName["graphql.query Page"]
		if !ok {
			t.Fatalf("no GraphQL operation span; spans: %v", names(spans))
		}
		if op.Parent.SpanID() != httpSpan.SpanContext.SpanID() {
			t.Errorf("operation span's parent is not the HTTP span")
		}
		var underOp int
		for _, s := range spans {
			if s.Name == "SELECT" && s.Parent.SpanID() == op.SpanContext.SpanID() {
				underOp++
				if s.SpanKind != trace.SpanKindClient {
					t.Errorf("SQL span kind %v", s.SpanKind)
				}
				var text string
				for _, kv := range s.Attributes {
					if kv.Key == "db.query.text" {
						text = kv.Value.AsString()
					}
				}
				if !strings.HasPrefix(strings.ToUpper(text), "SELECT") {
					t.Errorf("SQL span without its statement: %q", text)
				}
			}
		}
		if underOp == 0 {
			t.Errorf("no SQL statement span under the operation; spans: %v", names(spans))
		}
		// The credential lookup happens before GraphQL: it is the HTTP span's.
		var underHTTP int
		for _, s := range spans {
			if s.Name == "SELECT" && s.Parent.SpanID() == httpSpan.SpanContext.SpanID() {
				underHTTP++
			}
		}
		if underHTTP == 0 {
			t.Errorf("no SQL span of the authentication under the HTTP span")
		}
	})
}

// Without OTEL_EXPORTER_OTLP_ENDPOINT nothing traces: the router is not
// wrapped, so a request pays nothing for tracing.
func TestTracingOffByDefault(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	if _, ok := env.Handler.(*chi.Mux); !ok {
		t.Fatalf("tracing is off but the router is wrapped: %T", env.Handler)
	}
}

func names(spans tracetest.SpanStubs) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name + "<-" + s.Parent.SpanID().String()
	}
	return out
}

// With OTEL_EXPORTER_OTLP_ENDPOINT set, spans go to the collector's
// /v1/traces over OTLP/HTTP (protobuf), flushed at the latest on Close.
func TestTracingExportsOverOTLP(t *testing.T) {
	got := make(chan *http.Request, 16)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if len(body) > 0 {
			got <- r
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	cfg := app.Defaults()
	cfg.DatabaseURL = dbtest.URL(t, dbtest.SQLite)
	cfg.StorageURL = "file://" + filepath.Join(t.TempDir(), "files")
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.OTLPEndpoint = collector.URL + "/"
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, apptest.Request(http.MethodGet, "/healthz", "", nil))
	if err := a.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	select {
	case r := <-got:
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Fatalf("%s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the collector received no spans")
	}
}
