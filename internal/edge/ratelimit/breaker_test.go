package ratelimit_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"userbridge/internal/edge/ratelimit"
)

// The breaker in front of Redis, spelled out: a dead Redis costs the first
// request at most ratelimit.Timeout, the requests after it nothing (they
// never reach the network) while the breaker is open, and each change of
// state is one log line and a metric. Outages are real sockets: an address
// that refuses connections, and a server that accepts and never answers (a
// hung Redis, the case that costs a timeout).

// slack is what a loaded test machine may add to a deadline.
const slack = 300 * time.Millisecond

// logLines is a slog destination the test can read back.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSpace(string(p)))
	return len(p), nil
}

func (l *logLines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// refusedAddr returns an address nothing listens on.
func refusedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// hungRedis accepts connections, reads what it is sent and never answers;
// it counts the connections it accepted.
func hungRedis(t testing.TB) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var accepted atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() { _, _ = io.Copy(io.Discard, c); _ = c.Close() }()
		}
	}()
	return ln.Addr().String(), &accepted
}

// newStore is a Store over addr as Dial makes it, without Dial's ping.
func newStore(t *testing.T, addr string, openFor time.Duration) (*ratelimit.Store, *logLines, *prometheus.Registry) {
	t.Helper()
	opts, err := ratelimit.ClientOptions("redis://" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })
	logs := &logLines{}
	s := ratelimit.NewStore(client, uniquePrefix(), ratelimit.BreakerSettings{
		OpenFor: openFor, Log: slog.New(slog.NewTextHandler(logs, nil)),
	})
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collectors()...)
	return s, logs, reg
}

// metric reads one series from reg: name, then label name and value.
func metric(t *testing.T, reg *prometheus.Registry, name string, label ...string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if len(label) == 2 && (len(m.GetLabel()) != 1 || m.GetLabel()[0].GetValue() != label[1]) {
				continue
			}
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s %v", name, label)
	return 0
}

// timed runs one Allow and returns how long it took.
func timed(t *testing.T, l ratelimit.Limiter, key string) (ratelimit.Result, time.Duration) {
	t.Helper()
	start := time.Now()
	res, err := l.Allow(context.Background(), key)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("Allow: %v (a Store's limiter falls back, it does not fail)", err)
	}
	return res, took
}

// TestBreakerOutage: the first request pays at most one Timeout, then the
// breaker is open and the following requests are answered from memory
// without touching the network, still limited (per replica).
func TestBreakerOutage(t *testing.T) {
	for _, tc := range []struct {
		name string
		addr func(testing.TB) (string, *atomic.Int64)
	}{
		{"connection refused", func(t testing.TB) (string, *atomic.Int64) { return refusedAddr(t), nil }},
		{"Redis hung (accepts, never answers)", hungRedis},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, accepted := tc.addr(t)
			s, logs, reg := newStore(t, addr, time.Minute)
			lim := s.Limiter(ratelimit.PerMinute(60, 3))

			res, first := timed(t, lim, "k")
			if !res.Allowed || first > ratelimit.Timeout+slack {
				t.Fatalf("first request: allowed %v after %v, want allowed within %v", res.Allowed, first, ratelimit.Timeout)
			}
			if s.Breaker().State() != "open" {
				t.Fatalf("breaker %s after a failure, want open", s.Breaker().State())
			}
			var worst time.Duration
			var allowed int
			const n = 200
			for range n {
				res, took := timed(t, lim, "k")
				worst = max(worst, took)
				if res.Allowed {
					allowed++
				}
			}
			t.Logf("first request %v; %d requests while open: slowest %v", first, n, worst)
			if worst > slack {
				t.Errorf("a request while open took %v", worst)
			}
			if allowed != 2 {
				t.Errorf("%d of the next %d allowed, want 2 (burst 3, one spent by the first)", allowed, n)
			}
			if accepted != nil && accepted.Load() != 1 {
				t.Errorf("Redis saw %d connections, want only the first request's", accepted.Load())
			}
			if got := metric(t, reg, "userbridge_ratelimit_fallbacks_total", "reason", "redis_error"); got != 1 {
				t.Errorf("fallbacks on error: %v, want 1", got)
			}
			if got := metric(t, reg, "userbridge_ratelimit_fallbacks_total", "reason", "breaker_open"); got != n {
				t.Errorf("fallbacks while open: %v, want %d", got, n)
			}
			if got := metric(t, reg, "userbridge_ratelimit_redis_breaker_state"); got != 2 {
				t.Errorf("state gauge %v, want 2 (open)", got)
			}
			if lines := logs.get(); len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "unavailable") {
				t.Errorf("log: %q, want one WARN line", lines)
			}
		})
	}
}

// TestBreakerSharedByLimiters: the login and users-v1 limiters of one Store
// share the breaker, so one failure spares both.
func TestBreakerSharedByLimiters(t *testing.T) {
	addr, accepted := hungRedis(t)
	s, _, _ := newStore(t, addr, time.Minute)
	login, api := s.Limiter(ratelimit.PerMinute(10, 10)), s.Limiter(ratelimit.PerMinute(100, 20))
	timed(t, login, "login:addr:x")
	if _, took := timed(t, api, "addr:x"); took > slack || accepted.Load() != 1 {
		t.Fatalf("the other limiter took %v, Redis saw %d connections", took, accepted.Load())
	}
}

// TestBreakerProbesAgain: after OpenFor one request probes; when Redis is
// still hung it pays one Timeout and the breaker opens again, each change
// one log line.
func TestBreakerProbesAgain(t *testing.T) {
	addr, accepted := hungRedis(t)
	const openFor = 300 * time.Millisecond
	s, logs, reg := newStore(t, addr, openFor)
	lim := s.Limiter(ratelimit.PerMinute(60, 100))
	timed(t, lim, "k")
	time.Sleep(openFor + 50*time.Millisecond)
	if st := s.Breaker().State(); st != "half-open" {
		t.Fatalf("after OpenFor: %s, want half-open", st)
	}
	if _, took := timed(t, lim, "k"); took > ratelimit.Timeout+slack {
		t.Fatalf("probe took %v", took)
	}
	if st := s.Breaker().State(); st != "open" || accepted.Load() != 2 {
		t.Fatalf("after a failed probe: %s with %d connections, want open with 2", st, accepted.Load())
	}
	if _, took := timed(t, lim, "k"); took > slack {
		t.Fatalf("request after the failed probe took %v", took)
	}
	lines := logs.get()
	if len(lines) != 3 || !strings.Contains(lines[1], "probing") {
		t.Fatalf("log: %q, want open, half-open, open", lines)
	}
	if got := metric(t, reg, "userbridge_ratelimit_redis_breaker_transitions_total", "to", "open"); got != 2 {
		t.Fatalf("transitions to open: %v, want 2", got)
	}
}

// TestBreakerCallerGone: a request whose own context ends is no evidence
// against Redis and leaves the breaker closed.
func TestBreakerCallerGone(t *testing.T) {
	addr, _ := hungRedis(t)
	s, logs, _ := newStore(t, addr, time.Minute)
	lim := s.Limiter(ratelimit.PerMinute(60, 100))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := lim.Allow(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if st := s.Breaker().State(); st != "closed" || len(logs.get()) != 0 {
		t.Fatalf("breaker %s, log %q after a cancelled request", st, logs.get())
	}
}

// proxy stands between the client and a real Redis and can take it away:
// down, it drops every connection and refuses new ones' traffic.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { _ = ln.Close(); p.setDown(true) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				_ = c.Close()
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				_ = c.Close()
				continue
			}
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
	return p
}

func (p *proxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.conns = nil
	}
}

// TestBreakerRecovers (real Redis): Redis goes away, requests fall back;
// it comes back, and after OpenFor the probe closes the breaker and the
// buckets are shared through Redis again.
func TestBreakerRecovers(t *testing.T) {
	c := redisClient(t)
	p := startProxy(t, c.Options().Addr)
	const openFor = 300 * time.Millisecond
	s, logs, _ := newStore(t, p.ln.Addr().String(), openFor)
	lim := s.Limiter(ratelimit.PerMinute(60, 5))

	if res, _ := timed(t, lim, "k"); res.Remaining != 4 || s.Breaker().State() != "closed" {
		t.Fatalf("Redis up: %+v, breaker %s", res, s.Breaker().State())
	}
	p.setDown(true)
	if res, took := timed(t, lim, "k"); !res.Allowed || took > ratelimit.Timeout+slack || s.Breaker().State() != "open" {
		t.Fatalf("Redis down: %+v after %v, breaker %s", res, took, s.Breaker().State())
	}
	p.setDown(false)
	time.Sleep(openFor + 50*time.Millisecond)
	// The probe reaches Redis: its bucket still holds the first request's
	// spending (the fallback's own bucket is not carried over).
	if res, _ := timed(t, lim, "k"); res.Remaining != 3 || s.Breaker().State() != "closed" {
		t.Fatalf("Redis back: %+v, breaker %s", res, s.Breaker().State())
	}
	lines := logs.get()
	if len(lines) != 3 || !strings.Contains(lines[2], "back") {
		t.Fatalf("log: %q, want open, half-open, closed", lines)
	}
}

// BenchmarkAllowRedisDown measures a rate-limit decision while Redis is
// hung and the breaker open: what every request pays during an outage
// (figures in bench/README.md).
func BenchmarkAllowRedisDown(b *testing.B) {
	addr, _ := hungRedis(b)
	opts, err := ratelimit.ClientOptions("redis://" + addr + "/0")
	if err != nil {
		b.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	s := ratelimit.NewStore(client, uniquePrefix(), ratelimit.BreakerSettings{OpenFor: time.Hour, Log: slog.New(slog.DiscardHandler)})
	lim := s.Limiter(ratelimit.PerMinute(1_000_000, 1_000_000))
	ctx := context.Background()
	_, _ = lim.Allow(ctx, "k") // pays the timeout, opens the breaker
	b.ResetTimer()
	for b.Loop() {
		_, _ = lim.Allow(ctx, "k")
	}
}
