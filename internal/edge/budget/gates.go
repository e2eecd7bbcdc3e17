package budget

import (
	"context"
	"sync"
)

// gates holds, per key, a semaphore of size slots. A key's gate lives
// while some request holds or waits for one of its slots, so the map
// holds at most one entry per request in flight.
type gates struct {
	size int
	mu   sync.Mutex
	m    map[string]*gate
}

type gate struct {
	slots chan struct{}
	users int // requests holding or waiting for a slot
}

func newGates(size int) *gates { return &gates{size: size, m: map[string]*gate{}} }

// enter waits for a slot of key until ctx ends. Waiting senders on a
// channel are served in order, so a key's requests queue in arrival
// order, and only behind each other.
func (g *gates) enter(ctx context.Context, key string) (func(), error) {
	g.mu.Lock()
	e := g.m[key]
	if e == nil {
		e = &gate{slots: make(chan struct{}, g.size)}
		g.m[key] = e
	}
	e.users++
	g.mu.Unlock()
	select {
	case e.slots <- struct{}{}:
	default:
		select {
		case e.slots <- struct{}{}:
		case <-ctx.Done():
			g.leave(key, e)
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-e.slots
			g.leave(key, e)
		})
	}, nil
}

func (g *gates) leave(key string, e *gate) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e.users--; e.users == 0 {
		delete(g.m, key)
	}
}
