package shadow

import (
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The outcomes of a request through the shadow.
const (
	OutcomeSame        = "same"           // compared, no difference
	OutcomeDifferent   = "different"      // compared, at least one real difference
	OutcomeNotImported = "not_imported"   // compared; differs only by ids this store does not hold
	OutcomeNotCompared = "not_compared"   // a write: sent upstream only
	OutcomeUpstream    = "upstream_error" // the upstream did not answer: 502 to the client
	OutcomeIncomplete  = "incomplete"     // the answer was not read to its end (client gone)
	OutcomeDropped     = "dropped"        // the comparison queue was full
	OutcomeStoreFailed = "store_failed"   // this store did not answer in time
)

// Bounds on what the report keeps, whatever the traffic: routes are the
// dialects' templates (requests the store has no route for share one row),
// paths per route and examples per path are capped.
const (
	maxPathsPerRoute = 200
	maxExamples      = 3
	overflowPath     = "(other paths)"
)

// Results gathers every proxy's outcomes: the report and the metrics.
// Proxies of several dialects in one process share one Results.
type Results struct {
	mu       sync.Mutex
	started  time.Time
	now      func() time.Time
	routes   map[routeKey]*routeStats
	upstream map[string]string // dialect -> upstream URL, for the report
	requests *prometheus.CounterVec
	dropped  *prometheus.CounterVec
}

type routeKey struct{ dialect, route string }

type routeStats struct {
	requests int64
	outcomes map[string]int64
	noisy    map[string]bool // paths found to differ between two upstream answers
	paths    map[string]*pathStats
}

type pathStats struct {
	kinds       map[string]int64
	count       int64
	first, last time.Time
	examples    []Example
}

// Example is one difference as the report shows it, redacted.
type Example struct {
	At       time.Time `json:"at"`
	Request  string    `json:"request"`
	Kind     string    `json:"kind"`
	Upstream string    `json:"upstream"`
	Store    string    `json:"store"`
}

// NewResults registers the shadow's metrics on reg (nil: not registered).
func NewResults(reg prometheus.Registerer, now func() time.Time) *Results {
	if now == nil {
		now = time.Now
	}
	r := &Results{
		started: now(), now: now,
		routes:   map[routeKey]*routeStats{},
		upstream: map[string]string{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "userbridge_shadow_requests_total",
			Help: "Requests through the shadow proxy, by dialect, route template and outcome.",
		}, []string{"dialect", "route", "outcome"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "userbridge_shadow_dropped_total",
			Help: "Comparisons dropped because the comparison queue was full.",
		}, []string{"dialect"}),
	}
	if reg != nil {
		reg.MustRegister(r.requests, r.dropped)
	}
	return r
}

// record counts one request's outcome and its differences.
func (r *Results) record(dialect, route, outcome, target string, diffs []diff) {
	r.requests.WithLabelValues(dialect, route, outcome).Inc()
	if outcome == OutcomeDropped {
		r.dropped.WithLabelValues(dialect).Inc()
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	rs := r.route(dialect, route)
	rs.requests++
	rs.outcomes[outcome]++
	for _, d := range diffs {
		ps, ok := rs.paths[d.Path]
		if !ok {
			if len(rs.paths) >= maxPathsPerRoute {
				d.Path = overflowPath
				if ps, ok = rs.paths[d.Path]; !ok {
					ps = &pathStats{kinds: map[string]int64{}, first: now}
					rs.paths[d.Path] = ps
				}
			} else {
				ps = &pathStats{kinds: map[string]int64{}, first: now}
				rs.paths[d.Path] = ps
			}
		}
		ps.count++
		ps.kinds[d.Kind]++
		ps.last = now
		if len(ps.examples) < maxExamples {
			ps.examples = append(ps.examples, Example{At: now, Request: target, Kind: d.Kind,
				Upstream: redactValue(d.Path, d.Upstream), Store: redactValue(d.Path, d.Store)})
		}
	}
}

// learnNoise remembers paths that differed between two answers of the
// upstream to one request: they are noise on this route from now on.
func (r *Results) learnNoise(dialect, route string, paths []string) {
	if len(paths) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rs := r.route(dialect, route)
	for _, p := range paths {
		if len(rs.noisy) < maxPathsPerRoute {
			rs.noisy[p] = true
		}
	}
}

// noisy reports whether path, or a path it lies under, was learned as noise.
func (r *Results) noisy(dialect, route string) func(string) bool {
	r.mu.Lock()
	rs := r.routes[routeKey{dialect, route}]
	var paths []string
	if rs != nil {
		for p := range rs.noisy {
			paths = append(paths, p)
		}
	}
	r.mu.Unlock()
	return func(path string) bool {
		return slices.ContainsFunc(paths, func(p string) bool { return under(path, p) })
	}
}

func (r *Results) route(dialect, route string) *routeStats {
	k := routeKey{dialect, route}
	rs, ok := r.routes[k]
	if !ok {
		rs = &routeStats{outcomes: map[string]int64{}, noisy: map[string]bool{}, paths: map[string]*pathStats{}}
		r.routes[k] = rs
	}
	return rs
}

func (r *Results) setUpstream(dialect, u string) {
	r.mu.Lock()
	r.upstream[dialect] = u
	r.mu.Unlock()
}
