// Package budget gives each GraphQL client a bucket of cost points and a
// bounded number of requests in flight, so that one client (one user,
// whatever keys it mints; one application; one anonymous address) cannot
// take the service from the others. The points are the ones the GraphQL
// complexity analysis computes; the bucket is a ratelimit.CostLimiter,
// shared by the replicas through Redis when there is one. See
// docs/rate-limits.md.
package budget

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
)

// Settings configure a Budget. A zero Limit turns the points off; a zero
// Concurrency turns the bound on requests in flight off.
type Settings struct {
	// Limit refills Rate points per Period into a bucket of Burst points.
	Limit ratelimit.Limit
	// RefusedCost is what a document refused before it runs (it does not
	// parse, fails validation, or is over a limit) costs: its parse and
	// checks took work, and a flood of refusals must empty its own bucket.
	RefusedCost int
	// Concurrency bounds one client's requests in flight on one replica;
	// the others wait in the client's own queue.
	Concurrency int
	// MaxWait bounds how long a request waits, for a slot or for points
	// that are about to come back, before it is refused.
	MaxWait time.Duration
}

// Defaults are the settings unless configured otherwise.
var Defaults = Settings{
	Limit:       ratelimit.Limit{Rate: 20_000, Period: time.Second, Burst: 100_000},
	RefusedCost: 100,
	Concurrency: 16,
	MaxWait:     time.Second,
}

// Budget spends clients' points and bounds their concurrency.
type Budget struct {
	settings Settings
	limiter  ratelimit.CostLimiter // nil: points off
	gates    *gates                // nil: concurrency unbounded
	// OnRefused, when set, hears of each refusal, by reason ("budget" or
	// "concurrency"): the service counts them in its metrics.
	OnRefused func(reason string)
}

func (b *Budget) refused(r *Refused) *Refused {
	if b.OnRefused != nil {
		b.OnRefused(r.Reason)
	}
	return r
}

// New returns a Budget spending points in limiter (nil: points off).
func New(limiter ratelimit.CostLimiter, s Settings) *Budget {
	b := &Budget{settings: s, limiter: limiter}
	if s.Limit.Off() {
		b.limiter = nil
	}
	if s.Concurrency > 0 {
		b.gates = newGates(s.Concurrency)
	}
	return b
}

// Settings returns the budget's settings.
func (b *Budget) Settings() Settings { return b.settings }

// Points reports whether requests spend points.
func (b *Budget) Points() bool { return b != nil && b.limiter != nil }

// Key names the bucket of a request's client: its user's for any
// credential acting for a user (API keys, sessions and the tokens
// applications hold for it: minting a key buys no points), its
// application's for an application acting alone, else its client
// address's (an IPv6 client by its /64, reqinfo.LimitKey). Keys name
// numeric ids only.
func Key(v *auth.Viewer, clientAddr string) string {
	switch {
	case v.UserID() != 0:
		return "gql:user:" + strconv.Itoa(v.UserID())
	case v != nil && v.App != nil:
		return "gql:app:" + strconv.Itoa(v.App.ID)
	}
	return "gql:addr:" + reqinfo.LimitKey(clientAddr)
}

// Refused is the error of a request past its budget: RetryAfter is when
// it may try again.
type Refused struct {
	RetryAfter time.Duration
	Result     ratelimit.Result // the bucket when refused
	Reason     string           // "budget" or "concurrency"
}

func (e *Refused) Error() string {
	if e.Reason == "concurrency" {
		return "too many requests of this client in flight: retry later"
	}
	return "cost budget spent: retry later"
}

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up, at least 1.
func (e *Refused) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// Spend takes n points from key's bucket. When they are short but come
// back within MaxWait (and the context allows), it waits for them, so a
// client sending faster than its budget is slowed down in its own queue
// rather than spinning on refusals. Returns *Refused when they do not
// come back in time; the bucket errors only when Redis fails and there is
// no fallback.
func (b *Budget) Spend(ctx context.Context, key string, n int) (ratelimit.Result, error) {
	if !b.Points() {
		return ratelimit.Result{Allowed: true}, nil
	}
	deadline := time.Now().Add(b.settings.MaxWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	for {
		res, err := b.limiter.Take(ctx, key, n)
		if err != nil || res.Allowed {
			return res, err
		}
		if res.RetryAfter <= 0 || time.Now().Add(res.RetryAfter).After(deadline) {
			retry := res.RetryAfter
			if retry <= 0 {
				retry = res.ResetAfter
			}
			return res, b.refused(&Refused{RetryAfter: retry, Result: res, Reason: "budget"})
		}
		t := time.NewTimer(res.RetryAfter)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, b.refused(&Refused{RetryAfter: res.RetryAfter, Result: res, Reason: "budget"})
		case <-t.C:
		}
	}
}

// Peek reports key's bucket without spending.
func (b *Budget) Peek(ctx context.Context, key string) (ratelimit.Result, error) {
	if !b.Points() {
		return ratelimit.Result{Allowed: true}, nil
	}
	return b.limiter.Take(ctx, key, 0)
}

// Enter waits, at most MaxWait, for one of key's slots and returns the
// function that gives it back. Returns *Refused when none frees in time.
func (b *Budget) Enter(ctx context.Context, key string) (func(), error) {
	if b == nil || b.gates == nil {
		return func() {}, nil
	}
	wait, cancel := context.WithTimeout(ctx, b.settings.MaxWait)
	defer cancel()
	release, err := b.gates.enter(wait, key)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, b.refused(&Refused{RetryAfter: time.Second, Reason: "concurrency"})
		}
		return nil, fmt.Errorf("budget: %w", err)
	}
	return release, nil
}
