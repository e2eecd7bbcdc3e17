package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
)

// Timeout bounds one Redis call of a limiter (dial, write and read
// together). A rate limit answers from memory in microseconds, and Redis on
// the same network in about a millisecond: a call that takes longer means
// Redis is in trouble, and the request is better served by this replica's
// own bucket than kept waiting.
const Timeout = 200 * time.Millisecond

// OpenFor is how long the breaker stays open after a failure before one
// request probes Redis again.
const OpenFor = 5 * time.Second

// Breaker stops asking a Redis that has just failed. Closed, every call goes
// to Redis, bounded by Timeout; the first failure opens it, and for OpenFor
// every limiter sharing it answers from its in-memory fallback without
// touching the network. Then it is half-open: one request probes Redis (the
// others keep falling back meanwhile), and its outcome closes or reopens
// it. So a dead Redis costs one request at most one Timeout every OpenFor,
// and the log gets one line per change of state, not one per request.
type Breaker struct {
	cb      *gobreaker.CircuitBreaker[*redis_rate.Result]
	timeout time.Duration
	openFor time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	lastErr error // the failure that opened it, for the log line

	state       prometheus.GaugeFunc
	transitions *prometheus.CounterVec
	fallbacks   *prometheus.CounterVec
}

// BreakerSettings configures a Breaker; zero fields take the defaults.
type BreakerSettings struct {
	Timeout time.Duration // per Redis call; Timeout when zero
	OpenFor time.Duration // OpenFor when zero
	Log     *slog.Logger  // state changes; slog.Default() when nil
}

// errCallerGone marks a call abandoned because the request's own context
// ended: that says nothing about Redis and must not open the breaker.
var errCallerGone = errors.New("request context ended")

// NewBreaker returns a closed breaker.
func NewBreaker(s BreakerSettings) *Breaker {
	b := &Breaker{timeout: s.Timeout, log: s.Log}
	if b.timeout <= 0 {
		b.timeout = Timeout
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	b.openFor = s.OpenFor
	if b.openFor <= 0 {
		b.openFor = OpenFor
	}
	b.cb = gobreaker.NewCircuitBreaker[*redis_rate.Result](gobreaker.Settings{
		Name:          "redis",
		MaxRequests:   1, // one probe when half-open
		Timeout:       b.openFor,
		ReadyToTrip:   func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 1 },
		IsExcluded:    func(err error) bool { return errors.Is(err, errCallerGone) },
		OnStateChange: b.changed,
	})
	b.state = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "userbridge_ratelimit_redis_breaker_state",
		Help: "State of the breaker in front of the rate limits' Redis: 0 closed (Redis used), 1 half-open (probing), 2 open (every replica limits on its own).",
	}, func() float64 { return float64(b.cb.State()) })
	b.transitions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "userbridge_ratelimit_redis_breaker_transitions_total",
		Help: "Changes of state of the breaker in front of the rate limits' Redis, by the state entered.",
	}, []string{"to"})
	b.fallbacks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "userbridge_ratelimit_fallbacks_total",
		Help: "Rate-limit decisions taken by this replica's in-memory bucket instead of Redis: reason redis_error (the call failed) or breaker_open (Redis not asked).",
	}, []string{"reason"})
	for _, s := range []gobreaker.State{gobreaker.StateClosed, gobreaker.StateHalfOpen, gobreaker.StateOpen} {
		b.transitions.WithLabelValues(s.String())
	}
	for _, r := range []string{reasonRedisError, reasonBreakerOpen} {
		b.fallbacks.WithLabelValues(r)
	}
	return b
}

const (
	reasonRedisError  = "redis_error"
	reasonBreakerOpen = "breaker_open"
)

// Collectors are the breaker's metrics, for a Prometheus registry.
func (b *Breaker) Collectors() []prometheus.Collector {
	return []prometheus.Collector{b.state, b.transitions, b.fallbacks}
}

// State is "closed", "half-open" or "open".
func (b *Breaker) State() string { return b.cb.State().String() }

// call runs fn against Redis unless the breaker is open, with the context
// bounded by the breaker's timeout. A nil breaker runs fn as it is.
func (b *Breaker) call(ctx context.Context, fn func(context.Context) (*redis_rate.Result, error)) (*redis_rate.Result, error) {
	if b == nil {
		return fn(ctx)
	}
	return b.cb.Execute(func() (*redis_rate.Result, error) {
		cctx, cancel := context.WithTimeout(ctx, b.timeout)
		defer cancel()
		res, err := fn(cctx)
		switch {
		case err == nil:
		case callerGone(ctx):
			err = errors.Join(errCallerGone, err)
		default:
			b.mu.Lock()
			b.lastErr = err
			b.mu.Unlock()
		}
		return res, err
	})
}

// callerGone reports whether the caller's own context has ended. go-redis
// turns the caller's deadline into the socket's, so its i/o timeout can
// come back a moment before ctx.Err reports the deadline: a deadline
// already past counts too.
func callerGone(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// fellBack counts a decision taken by the fallback after err from call.
func (b *Breaker) fellBack(err error) {
	if b == nil {
		return
	}
	reason := reasonRedisError
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		reason = reasonBreakerOpen
	}
	b.fallbacks.WithLabelValues(reason).Inc()
}

// changed logs one line per change of state; gobreaker calls it under its
// lock, so it must not ask the breaker anything.
func (b *Breaker) changed(_ string, from, to gobreaker.State) {
	b.transitions.WithLabelValues(to.String()).Inc()
	switch to {
	case gobreaker.StateOpen:
		b.mu.Lock()
		err := b.lastErr
		b.mu.Unlock()
		b.log.Warn("redis rate limit unavailable: each replica limits on its own bucket until it answers again",
			"from", from.String(), "err", err, "probe_in", b.openFor)
	case gobreaker.StateHalfOpen:
		b.log.Info("redis rate limit: probing Redis with the next request")
	case gobreaker.StateClosed:
		b.log.Info("redis rate limit back: buckets shared through Redis again")
	}
}
