package auditlog

import (
	"context"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"userbridge/internal/edge/ratelimit"
)

// SignInGate decides which failed sign-ins are stored. A failed sign-in
// changes nothing, so its event is a write of its own, and a client
// guessing passwords could otherwise turn every guess into a write for
// the database's one writer. The gate admits at most one stored failure
// per key (an account bucket and a client address) per login-limit period
// (Limiter: one token per period, burst one; in Redis when the service's
// limits are, so replicas share it). The failures it refuses are counted
// here, per replica, and the count rides on the next sign-in event stored
// for the same key, failed or successful, as its "suppressed" field: the
// sum over the stored events is every attempt, and no attempt is a write.
// A count still pending when the process stops is lost; the login limit's
// refusals metric still counts those attempts.
type SignInGate struct {
	Limiter ratelimit.Limiter // nil: every failure is stored

	mu     sync.Mutex
	counts *lru.Cache[string, int]
}

// maxGateKeys bounds the counts kept: a forgotten key loses its count, not
// its limit (which lives in Limiter).
const maxGateKeys = 100_000

// NewSignInGate returns a gate over l (nil: no gate).
func NewSignInGate(l ratelimit.Limiter) *SignInGate {
	c, _ := lru.New[string, int](maxGateKeys)
	return &SignInGate{Limiter: l, counts: c}
}

// Admit reports whether the failed sign-in of key is stored and, when it
// is, how many failures of key were refused since the last one stored
// (the count is then cleared). An error of the limiter admits the
// failure: a lost event is worse than one more write.
func (g *SignInGate) Admit(ctx context.Context, key string) (stored bool, suppressed int) {
	if g == nil || g.Limiter == nil {
		return true, 0
	}
	res, err := g.Limiter.Allow(ctx, "audit:"+key)
	if err == nil && !res.Allowed {
		g.mu.Lock()
		n, _ := g.counts.Get(key)
		g.counts.Add(key, n+1)
		g.mu.Unlock()
		return false, 0
	}
	return true, g.Take(key)
}

// Take returns and clears the count of failures of key refused since the
// last event stored for it: a successful sign-in carries it.
func (g *SignInGate) Take(key string) int {
	if g == nil || g.counts == nil {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.counts.Get(key)
	if ok {
		g.counts.Remove(key)
	}
	return n
}
