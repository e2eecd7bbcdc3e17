package graph

import (
	"context"
	"net/http"
	"sync/atomic"

	"userbridge/internal/apperr"
)

// outageKey marks a request whose execution met an unreachable database.
type outageKey struct{}

// watchOutage gives the request a mark the error presenter sets
// (markOutage) when a resolver fails with apperr.Unavailable, and a
// response writer that then answers 503 with Retry-After instead of 200:
// a client (or a load balancer) reading the status learns to retry, as
// with the REST dialects, instead of reading a transient outage as data.
func watchOutage(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	mark := new(atomic.Bool)
	r = r.WithContext(context.WithValue(r.Context(), outageKey{}, mark))
	return &outageWriter{ResponseWriter: w, mark: mark}, r
}

// markOutage records that the operation met an outage.
func markOutage(ctx context.Context) {
	if m, ok := ctx.Value(outageKey{}).(*atomic.Bool); ok {
		m.Store(true)
	}
}

type outageWriter struct {
	http.ResponseWriter
	mark  *atomic.Bool
	wrote bool
}

func (w *outageWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if code == http.StatusOK && w.mark.Load() {
		w.Header().Set("Retry-After", apperr.RetryAfter)
		code = http.StatusServiceUnavailable
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *outageWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *outageWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
