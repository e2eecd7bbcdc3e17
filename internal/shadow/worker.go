package shadow

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

func randomFloat() float64 { return rand.Float64() } //nolint:gosec // a sampling rate, not a secret

// run starts the workers; they stop once the queue is closed and empty.
// Each rests after a comparison in proportion to its length (Duty): a
// comparison allocates and computes as much as a request, and a worker
// comparing without rest takes, with the garbage collector's share, the
// CPU the clients' requests need; past what the workers keep up with,
// comparisons are dropped, never the clients delayed.
func (p *Proxy) run() {
	var wg sync.WaitGroup
	for range p.cfg.Workers {
		wg.Go(func() {
			for ex := range p.jobs {
				start := time.Now()
				p.compare(ex)
				if p.cfg.Duty < 1 {
					worked := time.Since(start)
					time.Sleep(time.Duration(float64(worked) * (1 - p.cfg.Duty) / p.cfg.Duty))
				}
			}
		})
	}
	wg.Wait()
	close(p.done)
}

// compare asks this store the same question and records the outcome.
func (p *Proxy) compare(ex *exchange) {
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.StoreTimeout)
	defer cancel()
	st, err := p.ask(ctx, ex)
	if err != nil {
		p.cfg.Logger.Warn("shadow: this store did not answer", "dialect", p.cfg.Dialect, "route", ex.route, "err", err)
		p.res.record(p.cfg.Dialect, ex.route, OutcomeStoreFailed, ex.target, nil)
		return
	}
	noisy := p.res.noisy(p.cfg.Dialect, ex.route)
	if p.cfg.NoiseSample > 0 && p.cfg.Random() < p.cfg.NoiseSample {
		if again, err := p.askUpstream(ctx, ex); err == nil {
			c := p.comparer(func(string) bool { return false })
			var paths []string
			for _, d := range c.compare(ex.method, &ex.up, &again) {
				paths = append(paths, d.Path)
			}
			p.res.learnNoise(p.cfg.Dialect, ex.route, paths)
			noisy = p.res.noisy(p.cfg.Dialect, ex.route)
		}
	}
	diffs := p.comparer(noisy).compare(ex.method, &ex.up, &st)
	outcome, kept := p.classify(ctx, ex, diffs)
	p.res.record(p.cfg.Dialect, ex.route, outcome, ex.target, kept)
}

func (p *Proxy) comparer(noisy func(string) bool) *comparer {
	return &comparer{rules: p.rules, times: timeRule{p.cfg.TimeTolerance}, skip: func(path string) bool {
		for _, ig := range p.cfg.Ignore {
			if under(path, ig) {
				return true
			}
		}
		return noisy(path)
	}}
}

// classify puts down to ids not imported what only they explain: a status
// that differs on a route naming a user this store does not hold (what
// follows from it is not looked at), and values or list members of such
// ids. It returns the outcome and the real differences.
func (p *Proxy) classify(ctx context.Context, ex *exchange, diffs []diff) (string, []diff) {
	if len(diffs) == 0 {
		return OutcomeSame, nil
	}
	notHeld := func(id string) bool {
		if p.cfg.IDs == nil || id == "" {
			return false
		}
		ok, err := p.cfg.IDs.Imported(ctx, p.cfg.Dialect, id)
		return err == nil && !ok
	}
	if diffs[0].Path == "status" && notHeld(ex.idParam) {
		return OutcomeNotImported, nil
	}
	var kept []diff
	skipped := 0
	for _, d := range diffs {
		if d.id != "" && notHeld(d.id) {
			skipped++
			continue
		}
		kept = append(kept, d)
	}
	if len(kept) == 0 && skipped > 0 {
		return OutcomeNotImported, nil
	}
	return OutcomeDifferent, kept
}

// ask is this store's answer to ex, in process: the same method, target,
// headers (credentials included) and body.
func (p *Proxy) ask(ctx context.Context, ex *exchange) (answer answer, err error) {
	req, err := p.request(ctx, ex, ex.url.RequestURI())
	if err != nil {
		return answer, err
	}
	req.RemoteAddr = ex.remote
	rec := newRecorder(p.cfg.MaxCompareBytes)
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	p.cfg.Store.ServeHTTP(rec, req)
	if ctx.Err() != nil {
		return answer, ctx.Err()
	}
	return rec.answer(), nil
}

// askUpstream sends ex to the upstream again (the noise sample).
func (p *Proxy) askUpstream(ctx context.Context, ex *exchange) (answer, error) {
	u := *p.cfg.Upstream
	u.Path = singleJoin(u.Path, ex.url.Path)
	u.RawPath = ""
	u.RawQuery = ex.url.RawQuery
	req, err := p.request(ctx, ex, u.String())
	if err != nil {
		return answer{}, err
	}
	resp, err := p.cfg.Transport.RoundTrip(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	c := newCapture(p.cfg.MaxCompareBytes)
	if _, err := c.ReadFrom(resp.Body); err != nil {
		return answer{}, err
	}
	return c.answer(resp.StatusCode, resp.Header), nil
}

func (p *Proxy) request(ctx context.Context, ex *exchange, target string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, ex.method, target, bytes.NewReader(ex.body))
	if err != nil {
		return nil, err
	}
	req.Header = ex.header.Clone()
	req.Header.Del("Accept-Encoding") // compared decoded
	if len(ex.body) == 0 {
		req.Body = http.NoBody
	}
	return req, nil
}

func singleJoin(a, b string) string {
	switch {
	case a == "" || a == "/":
		return b
	case a[len(a)-1] == '/' && b != "" && b[0] == '/':
		return a + b[1:]
	}
	return a + b
}
