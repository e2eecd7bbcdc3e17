package auditlog_test

import (
	"context"
	"errors"
	"testing"

	"userbridge/internal/auditlog"
	"userbridge/internal/edge/ratelimit"
)

// windows is a limiter whose periods the test turns by hand: one token per
// key per period (no clock in the test).
type windows struct {
	spent map[string]bool
	err   error
}

func (w *windows) Allow(_ context.Context, key string) (ratelimit.Result, error) {
	if w.err != nil {
		return ratelimit.Result{}, w.err
	}
	if w.spent[key] {
		return ratelimit.Result{Allowed: false}, nil
	}
	w.spent[key] = true
	return ratelimit.Result{Allowed: true}, nil
}

func (w *windows) next() { w.spent = map[string]bool{} }

type admitted struct {
	stored     bool
	suppressed int
}

func TestSignInGate(t *testing.T) {
	ctx := context.Background()
	w := &windows{spent: map[string]bool{}}
	g := auditlog.NewSignInGate(w)
	admit := func(key string) admitted {
		s, n := g.Admit(ctx, key)
		return admitted{s, n}
	}
	t.Run("the first failure of a period is stored, the others counted", func(t *testing.T) {
		if got := admit("acct-a|203.0.113.1"); got != (admitted{true, 0}) {
			t.Fatalf("first: %+v", got)
		}
		for i := range 5 {
			if got := admit("acct-a|203.0.113.1"); got != (admitted{false, 0}) {
				t.Fatalf("attempt %d in the same period: %+v", i+2, got)
			}
		}
	})
	t.Run("another address or account has its own gate", func(t *testing.T) {
		if got := admit("acct-a|203.0.113.2"); got != (admitted{true, 0}) {
			t.Fatalf("other address: %+v", got)
		}
		if got := admit("acct-b|203.0.113.1"); got != (admitted{true, 0}) {
			t.Fatalf("other account: %+v", got)
		}
	})
	t.Run("the next period's stored failure carries the count", func(t *testing.T) {
		w.next()
		if got := admit("acct-a|203.0.113.1"); got != (admitted{true, 5}) {
			t.Fatalf("next period: %+v", got)
		}
		if got := admit("acct-a|203.0.113.1"); got != (admitted{false, 0}) {
			t.Fatalf("again: %+v", got)
		}
	})
	t.Run("a success takes the pending count once", func(t *testing.T) {
		if n := g.Take("acct-a|203.0.113.1"); n != 1 {
			t.Fatalf("take: %d, want 1", n)
		}
		if n := g.Take("acct-a|203.0.113.1"); n != 0 {
			t.Fatalf("second take: %d, want 0", n)
		}
	})
	t.Run("a limiter error stores the failure", func(t *testing.T) {
		w.err = errors.New("redis down")
		defer func() { w.err = nil }()
		if got := admit("acct-a|203.0.113.1"); !got.stored {
			t.Fatalf("with the limiter failing: %+v", got)
		}
	})
	t.Run("no limiter, no gate", func(t *testing.T) {
		var none *auditlog.SignInGate
		if s, n := none.Admit(ctx, "k"); !s || n != 0 {
			t.Fatalf("nil gate: %v %d", s, n)
		}
		if s, _ := auditlog.NewSignInGate(nil).Admit(ctx, "k"); !s {
			t.Fatal("gate without limiter refused")
		}
	})
}
