package shadow

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Report is what /shadow/report.json answers and /shadow/ shows.
type Report struct {
	StartedAt time.Time       `json:"started_at"`
	At        time.Time       `json:"at"`
	Dialects  []DialectReport `json:"dialects"`
}

// DialectReport is one dialect's routes.
type DialectReport struct {
	Dialect  string        `json:"dialect"`
	Upstream string        `json:"upstream"`
	Routes   []RouteReport `json:"routes"`
}

// RouteReport is one route template (method and path): how many requests,
// their outcomes, and each JSON path that differed.
type RouteReport struct {
	Route       string           `json:"route"`
	Requests    int64            `json:"requests"`
	Outcomes    map[string]int64 `json:"outcomes"`
	NoisyPaths  []string         `json:"noisy_paths"`
	Differences []PathReport     `json:"differences"`
}

// PathReport is one path's differences.
type PathReport struct {
	Path      string           `json:"path"`
	Count     int64            `json:"count"`
	Kinds     map[string]int64 `json:"kinds"`
	FirstSeen time.Time        `json:"first_seen"`
	LastSeen  time.Time        `json:"last_seen"`
	Examples  []Example        `json:"examples"`
}

// Differences is the number of real differences over every route.
func (r Report) Differences() int64 {
	var n int64
	for _, d := range r.Dialects {
		for _, rt := range d.Routes {
			n += rt.Outcomes[OutcomeDifferent]
		}
	}
	return n
}

// Snapshot is the report as it stands, routes with differences first.
func (r *Results) Snapshot() Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := Report{StartedAt: r.started, At: r.now(), Dialects: []DialectReport{}}
	byDialect := map[string]*DialectReport{}
	for _, d := range slices.Sorted(maps.Keys(r.upstream)) {
		byDialect[d] = &DialectReport{Dialect: d, Upstream: r.upstream[d], Routes: []RouteReport{}}
	}
	for k, rs := range r.routes {
		dr, ok := byDialect[k.dialect]
		if !ok {
			dr = &DialectReport{Dialect: k.dialect, Routes: []RouteReport{}}
			byDialect[k.dialect] = dr
		}
		rr := RouteReport{Route: k.route, Requests: rs.requests, Outcomes: maps.Clone(rs.outcomes),
			NoisyPaths: slices.Sorted(maps.Keys(rs.noisy)), Differences: []PathReport{}}
		for p, ps := range rs.paths {
			rr.Differences = append(rr.Differences, PathReport{Path: p, Count: ps.count, Kinds: maps.Clone(ps.kinds),
				FirstSeen: ps.first, LastSeen: ps.last, Examples: slices.Clone(ps.examples)})
		}
		slices.SortFunc(rr.Differences, func(a, b PathReport) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Path, b.Path))
		})
		dr.Routes = append(dr.Routes, rr)
	}
	for _, name := range slices.Sorted(maps.Keys(byDialect)) {
		dr := byDialect[name]
		slices.SortFunc(dr.Routes, func(a, b RouteReport) int {
			return cmp.Or(cmp.Compare(b.Outcomes[OutcomeDifferent], a.Outcomes[OutcomeDifferent]), cmp.Compare(a.Route, b.Route))
		})
		rep.Dialects = append(rep.Dialects, *dr)
	}
	return rep
}
