package db

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"userbridge/internal/apperr"
)

// health remembers whether the database answers, so that an outage is
// logged once, not once per request: at ERROR when the first statement
// fails to reach it, at INFO when one reaches it again. Every request in
// between answers 503 (apperr.Unavailable) without a line of its own.
type health struct {
	log   func() *slog.Logger
	mu    sync.Mutex
	down  bool
	since time.Time
	// failing is read without the lock on every statement: the common
	// case, a database that answers, costs one atomic load.
	failing atomic.Bool
}

// observe records the outcome of one statement and returns err classified:
// an unreachable database becomes apperr.Unavailable, anything else is
// returned as it is.
func (h *health) observe(err error) error {
	switch {
	case err == nil:
		if h.failing.Load() {
			h.recovered()
		}
		return nil
	case Unreachable(err):
		h.failed(err)
		return apperr.Unreachable(err)
	}
	return err
}

func (h *health) failed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		return
	}
	h.down, h.since = true, time.Now()
	h.failing.Store(true)
	h.log().Error("database unreachable: answering 503 until it is back", "err", err)
}

func (h *health) recovered() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.down {
		return
	}
	h.down = false
	h.failing.Store(false)
	h.log().Info("database reachable again", "outage", time.Since(h.since).Round(time.Millisecond).String())
}
