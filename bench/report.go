package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"userbridge/bench/loadresult"
)

type measurement struct {
	Backend, Scenario, Kind, Target string
	UploadMiB                       int64
	Conns                           int
	Load                            loadresult.Result
	Statements                      float64 // SQL statements per request (warm-up included in both counts)
	PeakMiB, RSSMiB                 float64
	Round                           int `json:",omitempty"` // peer comparison only
}

func (m measurement) fiveXX() int {
	n := 0
	for k, v := range m.Load.Status {
		if strings.HasPrefix(k, "5") {
			n += v
		}
	}
	return n + m.Load.Errors
}

type check struct {
	Backend, Scenario string
	Identical         bool
	Detail            string
}

type seedInfo struct {
	Backend      string
	Users, Files int
	Seconds      float64
}

type report struct {
	Command           string
	Started, Finished time.Time
	Machine           map[string]string
	Options           string
	Seeds             []seedInfo
	Checks            []check
	Runs              []measurement
	Depth             []measurement
	Peer              []measurement // userbridge and PostGraphile, round by round
	Notes             []string
}

func (r *report) add(m measurement) { r.Runs = append(r.Runs, m) }

func (o options) describe() string {
	s := fmt.Sprintf("users=%d depth-users=%d conns=%v duration=%s warmup=%s upload=%d MiB x%d",
		o.users, o.depthUsers, o.conns, o.duration, o.warmup, o.uploadMiB, o.uploads)
	if o.only != "" {
		s += fmt.Sprintf(" only=%q", o.only)
	}
	if len(o.backends) != 2 {
		s += fmt.Sprintf(" backends=%v", o.backends)
	}
	if o.peerOnly {
		s += " peer-only"
	}
	return s
}

func sh(cmd string) string {
	out, err := exec.Command("sh", "-c", cmd).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func machine() map[string]string {
	return map[string]string{
		"nproc":  sh("nproc"),
		"cpu":    sh(`grep -m1 "model name" /proc/cpuinfo | cut -d: -f2`),
		"memory": sh("free -h"),
		"uptime": sh("uptime"),
		"go":     sh("go version"),
		"kernel": sh("uname -r"),
	}
}

// write saves the report as JSON and Markdown under dir and prints the
// Markdown.
func (r *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stamp := r.Started.Format("20060102-150405")
	js, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, stamp+".json"), js, 0o644); err != nil {
		return err
	}
	md := r.markdown()
	if err := os.WriteFile(filepath.Join(dir, stamp+".md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	fmt.Fprintf(os.Stderr, "\nwritten: %s.{md,json}\n", filepath.Join(dir, stamp))
	return nil
}

func (r *report) find(backend, scenario, target string, conns int) *measurement {
	for i := range r.Runs {
		m := &r.Runs[i]
		if m.Backend == backend && m.Scenario == scenario && m.Target == target && m.Conns == conns {
			return m
		}
	}
	return nil
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("## Run of %s\n\n", r.Started.Format("2006-01-02 15:04 UTC"))
	p("Command: `%s` (%s)\n\n", r.Command, r.Options)
	p("Machine: `nproc` %s, CPU%s, %s, kernel %s; `free -h`:\n\n```\n%s\n```\n\n", r.Machine["nproc"], r.Machine["cpu"], r.Machine["go"], r.Machine["kernel"], r.Machine["memory"])
	p("Load before the run: `%s`; after: `%s`. Finished %s.\n\n", r.Machine["uptime"], sh("uptime"), r.Finished.Format("15:04 UTC"))
	for _, s := range r.Seeds {
		p("- seeded %s: %d users, %d files (with blobs) in %.1f s\n", s.Backend, s.Users, s.Files, s.Seconds)
	}
	for _, n := range r.Notes {
		p("- %s\n", n)
	}
	p("\n### Service and baseline return the same bytes\n\n| backend | scenario | identical | detail |\n| --- | --- | --- | --- |\n")
	for _, c := range r.Checks {
		p("| %s | %s | %v | %s |\n", c.Backend, c.Scenario, yes(c.Identical), strings.ReplaceAll(strings.ReplaceAll(c.Detail, "|", `\|`), "\n", "<br>"))
	}
	seen := map[string]bool{}
	for _, m := range r.Runs {
		if seen[m.Backend] {
			continue
		}
		seen[m.Backend] = true
		p("\n### %s\n\n", m.Backend)
		p("| scenario | conns | req/s | baseline req/s | ratio | p50 ms (base) | p99 ms (base) | SQL/req (base) | non-2xx (base) | peak RSS MiB (base) | targets |\n")
		p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
		for _, s := range r.Runs {
			if s.Backend != m.Backend || s.Target != "userbridge" {
				continue
			}
			bl := r.find(s.Backend, s.Scenario, "baseline", s.Conns)
			if bl == nil {
				bl = &measurement{}
			}
			ratio := 0.0
			if bl.Load.RPS > 0 {
				ratio = s.Load.RPS / bl.Load.RPS
			}
			name := s.Scenario
			if s.Kind == "upload" && s.Load.Seconds > 0 {
				name += fmt.Sprintf(" — %.0f MiB/s (baseline %.0f)", float64(s.Load.Requests)*float64(s.UploadMiB)/s.Load.Seconds,
					float64(bl.Load.Requests)*float64(s.UploadMiB)/max(bl.Load.Seconds, 1e-9))
			}
			p("| %s | %d | %.1f | %.1f | **%.2f** | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) | %d (%d) | %.0f (%.0f) | %s |\n",
				name, s.Conns, s.Load.RPS, bl.Load.RPS, ratio, s.Load.P50ms, bl.Load.P50ms, s.Load.P99ms, bl.Load.P99ms,
				s.Statements, bl.Statements, s.Load.Non2xx+s.Load.Errors, bl.Load.Non2xx+bl.Load.Errors, s.PeakMiB, bl.PeakMiB, targets(s, *bl, ratio))
		}
	}
	r.peerMarkdown(p)
	if len(r.Depth) > 0 {
		p("\n### Cursor pagination depth: page 1 against page 1,000 (service only)\n\n")
		p("| data set | query | conns | page 1 req/s | page 1 p50 / p99 ms | page 1000 req/s | page 1000 p50 / p99 ms | p50 ratio | req/s ratio | within 1.5× |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
		for i := 0; i+1 < len(r.Depth); i += 2 {
			a, z := r.Depth[i], r.Depth[i+1]
			query := strings.TrimSpace(strings.TrimPrefix(a.Scenario, "GraphQL users page 1"))
			if query == "" {
				query = "with pageInfo"
			}
			pr := z.Load.P50ms / a.Load.P50ms
			rr := a.Load.RPS / z.Load.RPS
			p("| %s | %s | %d | %.1f | %.2f / %.2f | %.1f | %.2f / %.2f | %.2f | %.2f | %s |\n", a.Backend,
				query, a.Conns,
				a.Load.RPS, a.Load.P50ms, a.Load.P99ms, z.Load.RPS, z.Load.P50ms, z.Load.P99ms, pr, rr, yes(pr <= 1.5 && rr <= 1.5))
		}
	}
	return b.String()
}

// targets checks a service row against the issues' targets: REST reads at
// least 0.6 of the baseline, GraphQL reads 0.4, p99 at 64 connections no
// worse than 1.2 times the baseline's (issue 20; on two CPUs shared with
// the load generator an absolute p99 measures queueing), no 5xx, peak RSS
// under 150 MiB.
func targets(m, bl measurement, ratio float64) string {
	var miss []string
	switch m.Kind {
	case "rest-read":
		if ratio < 0.6 {
			miss = append(miss, "ratio<0.6")
		}
	case "graphql-read":
		if ratio < 0.4 {
			miss = append(miss, "ratio<0.4")
		}
	}
	if strings.HasSuffix(m.Kind, "read") && m.Conns >= 64 && bl.Load.P99ms > 0 && m.Load.P99ms > 1.2*bl.Load.P99ms {
		miss = append(miss, "p99>1.2×base")
	}
	if n := m.fiveXX(); n > 0 {
		miss = append(miss, fmt.Sprintf("%d 5xx/errors", n))
	}
	if m.PeakMiB >= 150 {
		miss = append(miss, "RSS≥150MiB")
	}
	if len(miss) == 0 {
		return "ok"
	}
	return "**" + strings.Join(miss, ", ") + "**"
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// peerMarkdown writes the comparison with PostGraphile: per query and
// connection count, the median over rounds of userbridge's req/s divided by
// PostGraphile's (each round's pair measured back to back), with both
// servers' median req/s, p50 and p99 and their highest peak RSS.
func (r *report) peerMarkdown(p func(string, ...any)) {
	if len(r.Peer) == 0 {
		return
	}
	type key struct {
		scenario string
		conns    int
	}
	type cell struct{ svc, peer []measurement }
	cells := map[key]*cell{}
	var order []key
	for _, m := range r.Peer {
		k := key{m.Scenario, m.Conns}
		c := cells[k]
		if c == nil {
			c = &cell{}
			cells[k] = c
			order = append(order, k)
		}
		if m.Target == "postgraphile" {
			c.peer = append(c.peer, m)
		} else {
			c.svc = append(c.svc, m)
		}
	}
	p("\n### userbridge against PostGraphile (PostgreSQL, same tables)\n\n")
	p("Ratio: userbridge req/s ÷ PostGraphile req/s, median of the rounds' ratios (each round measures both back to back, alternating which goes first); the other columns are medians of the rounds, peak RSS the highest.\n\n")
	p("| query | conns | ratio (rounds) | userbridge req/s | PostGraphile req/s | p50 ms (PG) | p99 ms (PG) | non-2xx (PG) | peak RSS MiB (PG) |\n")
	p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, k := range order {
		c := cells[k]
		n := min(len(c.svc), len(c.peer))
		if n == 0 {
			continue
		}
		var ratios, srps, prps, sp50, pp50, sp99, pp99 []float64
		var bad, pbad int
		var peak, ppeak float64
		for i := range n {
			s, q := c.svc[i], c.peer[i]
			if q.Load.RPS > 0 {
				ratios = append(ratios, s.Load.RPS/q.Load.RPS)
			}
			srps, prps = append(srps, s.Load.RPS), append(prps, q.Load.RPS)
			sp50, pp50 = append(sp50, s.Load.P50ms), append(pp50, q.Load.P50ms)
			sp99, pp99 = append(sp99, s.Load.P99ms), append(pp99, q.Load.P99ms)
			bad += s.Load.Non2xx + s.Load.Errors
			pbad += q.Load.Non2xx + q.Load.Errors
			peak, ppeak = max(peak, s.PeakMiB), max(ppeak, q.PeakMiB)
		}
		rs := make([]string, len(ratios))
		for i, x := range ratios {
			rs[i] = fmt.Sprintf("%.2f", x)
		}
		p("| %s | %d | **%.2f** (%s) | %.1f | %.1f | %.2f (%.2f) | %.2f (%.2f) | %d (%d) | %.0f (%.0f) |\n",
			k.scenario, k.conns, median(ratios), strings.Join(rs, ", "), median(srps), median(prps),
			median(sp50), median(pp50), median(sp99), median(pp99), bad, pbad, peak, ppeak)
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
