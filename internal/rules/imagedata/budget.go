package imagedata

import "sync"

// DecodeMemory is the process-wide budget of decoder memory, in bytes: the
// decodes running at once (every request, every transport) hold at most
// this much by header.memory's bound. It admits one decode of the largest
// image Check accepts, and many small ones side by side.
const DecodeMemory = MaxPixels * 16

// decodeBudget is the one budget Check draws from.
var decodeBudget = newBudget(DecodeMemory)

// budget is a weighted semaphore: acquire(n) waits until n units are free.
// Waiters are served in order, so a large decode is not starved by a
// stream of small ones.
type budget struct {
	mu    sync.Mutex
	size  int64
	free  int64
	peak  int64 // most units ever held at once, for tests
	queue []*waiter
}

type waiter struct {
	n     int64
	ready chan struct{}
}

func newBudget(n int64) *budget { return &budget{size: n, free: n} }

// acquire takes n units (at most the whole budget) and returns the
// function that gives them back.
func (b *budget) acquire(n int64) (release func()) {
	b.mu.Lock()
	if len(b.queue) == 0 && b.free >= n {
		b.take(n)
		b.mu.Unlock()
		return func() { b.release(n) }
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	b.queue = append(b.queue, w)
	b.mu.Unlock()
	<-w.ready
	return func() { b.release(n) }
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free += n
	for len(b.queue) > 0 && b.free >= b.queue[0].n {
		w := b.queue[0]
		b.queue = b.queue[1:]
		b.take(w.n)
		close(w.ready)
	}
}

// take holds n units; b.mu is held.
func (b *budget) take(n int64) {
	b.free -= n
	b.peak = max(b.peak, b.size-b.free)
}
