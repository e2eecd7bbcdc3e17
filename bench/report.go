package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	Notes             []string
}

func (r *report) add(m measurement) { r.Runs = append(r.Runs, m) }

func (o options) describe() string {
	return fmt.Sprintf("users=%d depth-users=%d conns=%v duration=%s warmup=%s upload=%d MiB x%d",
		o.users, o.depthUsers, o.conns, o.duration, o.warmup, o.uploadMiB, o.uploads)
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
				s.Statements, bl.Statements, s.Load.Non2xx+s.Load.Errors, bl.Load.Non2xx+bl.Load.Errors, s.PeakMiB, bl.PeakMiB, targets(s, ratio))
		}
	}
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

// targets checks a service row against the targets.
func targets(m measurement, ratio float64) string {
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
	if strings.HasSuffix(m.Kind, "read") && m.Conns >= 64 && m.Load.P99ms >= 20 {
		miss = append(miss, "p99≥20ms")
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
