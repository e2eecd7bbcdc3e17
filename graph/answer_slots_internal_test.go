package graph

import (
	"context"
	"testing"
	"time"
)

// Answers of large fields beyond the process's budget wait for one to be
// built; a request cancelled while waiting takes nothing.
func TestLargeAnswersBeyondTheBudgetWait(t *testing.T) {
	g := newAnswerGuard(16<<20, 100, 50, 10<<20)
	ctx := context.Background()
	for range AnswersInFlight {
		if err := g.inFlight.acquire(ctx, 16<<20); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.inFlight.acquire(short, 1); err == nil {
		t.Fatal("an answer past the budget did not wait")
	}
	granted := make(chan error, 1)
	go func() { granted <- g.inFlight.acquire(ctx, 16<<20) }()
	g.inFlight.release(16 << 20)
	if err := <-granted; err != nil {
		t.Fatal(err)
	}
	for range AnswersInFlight {
		g.inFlight.release(16 << 20)
	}
	if g.inFlight.free != AnswersInFlight*16<<20 || len(g.inFlight.queue) != 0 {
		t.Fatalf("free %d, %d waiting", g.inFlight.free, len(g.inFlight.queue))
	}
}
