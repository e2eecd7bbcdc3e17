// Package shadow is userbridge's shadow mode: a reverse proxy in front of a
// legacy system that hands every client the legacy answer, unchanged and
// streamed, and compares, off the client's path, the answers to safe
// requests with this store's own (in process, same credentials). Only real
// differences are reported: per-dialect noise rules, --ignore paths, and
// optionally, as Twitter's Diffy does, paths that differ between two
// upstream answers to the same request. See docs/shadow.md.
package shadow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// Config is one shadowed dialect.
type Config struct {
	Dialect  string
	Upstream *url.URL
	// Store is this store's HTTP handler and Routes its route table
	// (app.App's Handler and Router()).
	Store  http.Handler
	Routes chi.Routes
	// IDs tells imported ids apart; nil: no difference is put down to an
	// id not imported.
	IDs IDs
	// Ignore lists paths that are never a difference ("users[*].picture",
	// "header Location"); a path covers everything under it.
	Ignore []string
	// NoiseSample is the share (0 to 1) of compared requests sent to the
	// upstream a second time to learn its noise. 0 (the default) never
	// does: the second request spends the client's upstream budget.
	NoiseSample float64
	// TimeTolerance is how far apart two written times may be (same
	// layout) and be the same.
	TimeTolerance time.Duration
	// MaxCompareBytes caps the body kept for a comparison (and for a read
	// sent with a body); past it the bodies are compared by hash.
	MaxCompareBytes int
	// Queue and Workers bound the comparisons waiting and running
	// (default 64, and half the cores).
	Queue, Workers int
	// Duty is the share of its time a worker spends comparing, from 0
	// (exclusive) to 1: after a comparison it rests for the rest
	// (default 0.5: as long as the comparison took).
	Duty float64
	// StoreTimeout bounds this store's answer to one comparison.
	StoreTimeout time.Duration
	// Transport reaches the upstream (nil: http.DefaultTransport's settings).
	Transport http.RoundTripper
	Logger    *slog.Logger
	// Random draws the noise sample (nil: math/rand/v2).
	Random func() float64
}

func (c Config) withDefaults() Config {
	if c.TimeTolerance == 0 {
		c.TimeTolerance = time.Second
	}
	if c.MaxCompareBytes <= 0 {
		c.MaxCompareBytes = 1 << 20
	}
	if c.Queue <= 0 {
		c.Queue = 64
	}
	if c.Workers <= 0 {
		// Half the cores: comparisons never take the CPU the clients'
		// requests need; past what they keep up with, they are dropped.
		c.Workers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if c.Duty <= 0 || c.Duty > 1 {
		c.Duty = 0.5
	}
	if c.StoreTimeout <= 0 {
		c.StoreTimeout = 10 * time.Second
	}
	if c.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		c.Transport = t
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Random == nil {
		c.Random = randomFloat
	}
	return c
}

// Proxy serves one dialect's clients: http.Handler of the shadow's listen
// address, /shadow/ included (Admin).
type Proxy struct {
	cfg   Config
	rules *rules
	res   *Results
	admin http.Handler
	rp    *httputil.ReverseProxy
	jobs  chan *exchange
	done  chan struct{}
	// mu guards closed: no comparison is queued once Close has begun.
	mu     sync.RWMutex
	closed bool
}

// New builds the proxy and starts its comparison workers; Close stops them.
// admin answers /shadow/ (never forwarded upstream).
func New(cfg Config, res *Results, admin http.Handler) (*Proxy, error) {
	cfg = cfg.withDefaults()
	r, err := dialectRules(cfg.Dialect)
	if err != nil {
		return nil, err
	}
	if cfg.Upstream == nil || cfg.Upstream.Host == "" || (cfg.Upstream.Scheme != "http" && cfg.Upstream.Scheme != "https") {
		return nil, errors.New("the upstream must be an absolute http:// or https:// URL")
	}
	if cfg.Store == nil || cfg.Routes == nil {
		return nil, errors.New("the store's handler and routes are required")
	}
	if res == nil {
		return nil, errors.New("the results are required")
	}
	if admin == nil {
		admin = http.NotFoundHandler() // still never forwarded upstream
	}
	if cfg.NoiseSample < 0 || cfg.NoiseSample > 1 {
		return nil, fmt.Errorf("the noise sample is a rate from 0 to 1, not %v", cfg.NoiseSample)
	}
	p := &Proxy{cfg: cfg, rules: r, res: res, admin: admin,
		jobs: make(chan *exchange, cfg.Queue), done: make(chan struct{})}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(cfg.Upstream)
			pr.SetXForwarded()
		},
		Transport:      cfg.Transport,
		ModifyResponse: p.tee,
		ErrorHandler:   p.upstreamFailed,
		ErrorLog:       slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	res.setUpstream(cfg.Dialect, cfg.Upstream.Redacted())
	go p.run()
	return p, nil
}

// Close stops taking comparisons and waits until the queued ones are done
// (each bounded by StoreTimeout). Serving must have stopped first.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
	p.mu.Unlock()
	<-p.done
	return nil
}

// enqueue queues ex for comparison, or drops it when the queue is full.
func (p *Proxy) enqueue(ex *exchange) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if !p.closed {
		select {
		case p.jobs <- ex:
			return
		default:
		}
	}
	p.res.record(p.cfg.Dialect, ex.route, OutcomeDropped, ex.target, nil)
}

// exchange is one client request on its way: what the comparison needs.
type exchange struct {
	method, route, target string
	url                   *url.URL
	header                http.Header
	body                  []byte
	remote                string
	idParam               string
	compare               bool
	up                    answer
}

type exchangeKey struct{}

// ServeHTTP forwards r upstream; a read is also queued for comparison
// once the client has the upstream's whole answer.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/shadow" || strings.HasPrefix(r.URL.Path, "/shadow/") {
		p.admin.ServeHTTP(w, r)
		return
	}
	ex := p.exchange(r)
	if ex.compare && r.Body != nil && r.Body != http.NoBody {
		// A read with a body (the education platform's POST .../oauth) is
		// kept to be sent to this store too, up to the cap; a longer one is
		// forwarded whole and not compared.
		buf, err := io.ReadAll(io.LimitReader(r.Body, int64(p.cfg.MaxCompareBytes)+1))
		if err != nil || len(buf) > p.cfg.MaxCompareBytes {
			ex.compare = false
			r.Body = readCloser{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
		} else {
			ex.body = buf
			r.Body = io.NopCloser(bytes.NewReader(buf))
		}
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex)))
}

type readCloser struct {
	io.Reader
	io.Closer
}

// exchange names r's route in this store's table (method and template).
func (p *Proxy) exchange(r *http.Request) *exchange {
	rctx := chi.NewRouteContext()
	pattern := p.cfg.Routes.Find(rctx, r.Method, r.URL.Path)
	route := r.Method + " (no route)"
	if pattern != "" && !strings.HasSuffix(pattern, "/*") {
		route = r.Method + " " + pattern
	}
	ex := &exchange{method: r.Method, route: route, target: r.Method + " " + redactTarget(r.URL),
		url: r.URL, header: r.Header.Clone(), remote: r.RemoteAddr}
	ex.compare = p.rules.isRead(r.Method, route)
	if ruleFor(p.rules.idRoutes, route) {
		ex.idParam = rctx.URLParam("id")
	}
	return ex
}

// tee lets the upstream's body through to the client while keeping a copy
// (up to the cap, hashed whole) for the comparison.
func (p *Proxy) tee(resp *http.Response) error {
	ex, _ := resp.Request.Context().Value(exchangeKey{}).(*exchange)
	if ex == nil {
		return nil
	}
	if !ex.compare {
		p.res.record(p.cfg.Dialect, ex.route, OutcomeNotCompared, ex.target, nil)
		return nil
	}
	c := newCapture(p.cfg.MaxCompareBytes)
	header := resp.Header.Clone()
	status := resp.StatusCode
	head := ex.method == http.MethodHead
	resp.Body = &teeBody{rc: resp.Body, c: c, done: func(complete bool) {
		if !complete && !head {
			p.res.record(p.cfg.Dialect, ex.route, OutcomeIncomplete, ex.target, nil)
			return
		}
		ex.up = c.answer(status, header)
		p.enqueue(ex)
	}}
	return nil
}

// upstreamFailed answers 502 with no body, as a gateway does: there is no
// legacy answer to hand on, and this store never stands in for it.
func (p *Proxy) upstreamFailed(w http.ResponseWriter, r *http.Request, err error) {
	route := r.Method + " (no route)"
	target := r.Method + " " + redactTarget(r.URL)
	if ex, ok := r.Context().Value(exchangeKey{}).(*exchange); ok {
		route, target = ex.route, ex.target
	}
	if !errors.Is(err, context.Canceled) {
		p.cfg.Logger.Warn("shadow: upstream unreachable", "dialect", p.cfg.Dialect, "route", route, "err", err)
	}
	p.res.record(p.cfg.Dialect, route, OutcomeUpstream, target, nil)
	w.WriteHeader(http.StatusBadGateway)
}

// teeBody copies what the client reads; done runs once, at the end of the
// body (complete) or at its Close before the end.
type teeBody struct {
	rc       io.ReadCloser
	c        *capture
	done     func(complete bool)
	finished bool
}

func (t *teeBody) Read(b []byte) (int, error) {
	n, err := t.rc.Read(b)
	if n > 0 {
		_, _ = t.c.Write(b[:n])
	}
	if err == io.EOF {
		t.finish(true)
	}
	return n, err
}

func (t *teeBody) Close() error {
	t.finish(false)
	return t.rc.Close()
}

func (t *teeBody) finish(complete bool) {
	if !t.finished {
		t.finished = true
		t.done(complete)
	}
}
