package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// cancelWait bounds how long requests cancelled at the end of the grace
// may take to return (an upload removing its temporary file, a rollback)
// before the database closes under whatever is left.
const cancelWait = 5 * time.Second

// requests tracks the requests in flight, and gives each a context that
// ends when the shutdown grace runs out (http.Server.BaseContext): without
// it, a request still running after http.Server.Shutdown gave up carried
// on until the process exited under it, leaving its upload's temporary
// file behind.
type requests struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	n      atomic.Int64
}

func newRequests() *requests {
	ctx, cancel := context.WithCancel(context.Background())
	return &requests{ctx: ctx, cancel: cancel}
}

// base is the http.Server's BaseContext.
func (rq *requests) base(net.Listener) context.Context { return rq.ctx }

// track counts next's requests in flight.
func (rq *requests) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq.wg.Add(1)
		rq.n.Add(1)
		defer func() { rq.n.Add(-1); rq.wg.Done() }()
		next.ServeHTTP(w, r)
	})
}

// wait waits for every tracked request to return, at most d; it reports
// whether they all did.
func (rq *requests) wait(d time.Duration) bool {
	done := make(chan struct{})
	go func() { rq.wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// shutdown closes the listener and lets in-flight requests finish within
// grace. Those still running then are cancelled: their contexts end and
// their connections close, so a handler blocked reading an upload's body
// fails, removes what it wrote and returns; they get cancelWait to do so
// before the caller closes the database. A stop that had to cancel
// requests is still a clean stop (nil: exit code 0), said in the log.
func shutdown(srv *http.Server, rq *requests, grace time.Duration, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	log.Warn("shutdown grace over: cancelling requests still running",
		"grace", grace.String(), "requests", rq.n.Load())
	rq.cancel()
	_ = srv.Close()
	if !rq.wait(cancelWait) {
		log.Error("cancelled requests did not return: closing the database under them",
			"requests", rq.n.Load(), "waited", cancelWait.String())
	}
	return nil
}
