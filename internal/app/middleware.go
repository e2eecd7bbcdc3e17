package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/trace"

	"userbridge/internal/edge/reqinfo"
)

// requestID gives every request an id (a sane incoming X-Request-Id is kept)
// and echoes it in the response.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 64 || !printable(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		// The Facts the access log reports ride in the same copy of the request.
		ctx, _ := reqinfo.WithFacts(reqinfo.WithRequestID(r.Context(), id))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		return rc.RoutePattern()
	}
	return "unmatched"
}

// accessLog writes one structured line per request: method, route pattern
// (never the raw path or query, which may carry tokens), status, size,
// duration, request id, client address (TRUSTED_PROXIES), and what inner
// layers learnt (reqinfo.Facts): the GraphQL operation name and the user's
// public id; the trace id when tracing is on.
func (a *App) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		ctx := r.Context()
		facts := reqinfo.FactsOf(ctx)
		attrs := make([]any, 0, 20)
		attrs = append(attrs, "method", r.Method, "route", routePattern(r), "status", sw.status,
			"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds())/1000,
			"request_id", reqinfo.RequestID(ctx), "client", reqinfo.ClientAddr(ctx))
		if facts.Operation != "" {
			attrs = append(attrs, "operation", facts.Operation)
		}
		if facts.User != "" {
			attrs = append(attrs, "user", facts.User)
		}
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			attrs = append(attrs, "trace_id", sc.TraceID().String())
		}
		a.Config.Logger.InfoContext(ctx, "request", attrs...)
	})
}

// recoverer is the last line of defence: a panic that no transport caught
// becomes a bare 500 JSON body, logged with the request id.
func (a *App) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(p)
				}
				a.Config.Logger.ErrorContext(r.Context(), "panic", "panic", p,
					"request_id", reqinfo.RequestID(r.Context()))
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// metrics counts requests and their durations per route pattern and status.
func (a *App) metrics() func(http.Handler) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "userbridge_http_requests_total", Help: "HTTP requests by route and status.",
	}, []string{"method", "route", "status"})
	durations := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "userbridge_http_request_duration_seconds", Help: "HTTP request durations by route.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"})
	a.Metrics.MustRegister(requests, durations,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw, ok := w.(*statusWriter)
			if !ok {
				sw = &statusWriter{ResponseWriter: w}
			}
			next.ServeHTTP(sw, r)
			route := routePattern(r)
			nameSpan(r, route)
			requests.WithLabelValues(r.Method, route, strconv.Itoa(max(sw.status, 200))).Inc()
			durations.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
		})
	}
}

// noStore marks a response Cache-Control: no-store, whatever the handler
// set: the API's answers and file downloads carry personal data, which no
// browser or shared cache may keep (docs/decisions.md). It is set
// before the handler runs, so every answer carries it, errors included,
// and set again when the status is written, so a handler's own caching
// (the download's "private") cannot weaken it.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(&noStoreWriter{ResponseWriter: w}, r)
	})
}

type noStoreWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *noStoreWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.wrote = true
		w.Header().Set("Cache-Control", "no-store")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *noStoreWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// ReadFrom keeps the underlying writer's fast path (sendfile for
// downloads) behind this wrapper.
func (w *noStoreWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return io.Copy(w.ResponseWriter, r)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *noStoreWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
