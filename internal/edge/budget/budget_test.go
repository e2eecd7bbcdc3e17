package budget_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"userbridge/internal/edge/budget"
	"userbridge/internal/edge/ratelimit"
)

func newBudget(l ratelimit.Limit, concurrency int, wait time.Duration) *budget.Budget {
	return budget.New(ratelimit.NewMemory(l), budget.Settings{Limit: l, RefusedCost: 5, Concurrency: concurrency, MaxWait: wait})
}

// TestSpendWaitsForPointsThatComeBack: points short by less than MaxWait
// are waited for (the client slows down in its own queue); more than that
// is refused at once, spending nothing, with the time until they are back.
func TestSpendWaitsForPointsThatComeBack(t *testing.T) {
	b := newBudget(ratelimit.Limit{Rate: 100, Period: time.Second, Burst: 10}, 0, time.Second)
	ctx := context.Background()
	if res, err := b.Spend(ctx, "k", 10); err != nil || res.Remaining != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	start := time.Now()
	if _, err := b.Spend(ctx, "k", 5); err != nil {
		t.Fatalf("5 points back in 50ms, within MaxWait: %v", err)
	}
	if took := time.Since(start); took < 30*time.Millisecond {
		t.Fatalf("served after %v: it did not wait for its points", took)
	}
	// Refused at once: well before MaxWait, which is long so that a busy
	// machine's scheduling cannot pass for a wait.
	b = newBudget(ratelimit.Limit{Rate: 1, Period: time.Second, Burst: 10}, 0, 3*time.Second)
	_, _ = b.Spend(ctx, "k", 10)
	start = time.Now()
	_, err := b.Spend(ctx, "k", 5)
	var r *budget.Refused
	if !errors.As(err, &r) || r.Reason != "budget" || r.RetryAfterSeconds() < 4 || time.Since(start) > time.Second {
		t.Fatalf("refused %+v after %v", r, time.Since(start))
	}
	if res, _ := b.Peek(ctx, "k"); res.Remaining != 0 {
		t.Fatalf("a refusal spent: %+v", res)
	}
	if _, err := b.Spend(ctx, "k", 11); !errors.As(err, &r) {
		t.Fatalf("more than the bucket holds: %v", err)
	}
}

// TestEnterBoundsAClientsRequests: past Concurrency a client's requests
// wait, at most MaxWait, for one of its own slots; another key's are not
// held up, and a freed slot goes to the one waiting.
func TestEnterBoundsAClientsRequests(t *testing.T) {
	b := newBudget(ratelimit.Limit{}, 2, 100*time.Millisecond)
	ctx := context.Background()
	var held []func()
	for range 2 {
		release, err := b.Enter(ctx, "user:1")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, release)
	}
	start := time.Now()
	_, err := b.Enter(ctx, "user:1")
	var r *budget.Refused
	if !errors.As(err, &r) || r.Reason != "concurrency" || time.Since(start) < 90*time.Millisecond {
		t.Fatalf("third request: %v after %v, want refused after MaxWait", err, time.Since(start))
	}
	if release, err := b.Enter(ctx, "user:2"); err != nil {
		t.Fatalf("another client: %v", err)
	} else {
		release()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		release, err := b.Enter(ctx, "user:1")
		if err != nil {
			t.Errorf("waiting request: %v", err)
			return
		}
		release()
	}()
	held[0]() // whether the goroutine waits yet or not, it gets this slot
	wg.Wait()
	held[1]()
}
