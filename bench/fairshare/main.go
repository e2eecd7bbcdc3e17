// Command fairshare measures whether one hostile credential can take the
// GraphQL service from a legitimate client: the legitimate client reads
// `{ viewer { id } }` on 16 connections, alone, then while an
// administrator's credential floods on 32 and 64 connections with (a) the
// most expensive page the limits allow and (b) documents refused for
// complexity. Each row is measured with the cost budget turned off by its
// settings (before) and with its defaults (after), on SQLite and, when
// TEST_POSTGRES_URL is set, on PostgreSQL.
//
//	go run ./bench/fairshare                       # 5 s per run
//	go run ./bench/fairshare -d 10s -hostile 32,64 -backends sqlite
//
// The service and both load generators (bench/load) run on this machine's
// CPUs: the report gives the hostile generator's share of them, and the
// load average when each backend started.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"userbridge/bench/benchproc"
	"userbridge/bench/loadresult"
	"userbridge/bench/seed"
)

// The legitimate client's read, and the hostile's two floods.
const (
	viewerQuery = `{ viewer { id } }`
	// The largest page of users with their files the default limits
	// allow (complexity under 10,000; extensions.cost says how much).
	pageQuery = `query Page { users(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ` +
		`id publicID email firstName lastName role status flags createdAt updatedAt ` +
		`files(first: 5) { totalCount edges { cursor node { id name size createdAt } } } } } } }`
	// Over the complexity limit: refused before it runs.
	refusedQuery = `query Refused { users(first: 100) { edges { node { id files(first: 100) { edges { node { id name size } } } } } } }`
)

type options struct {
	d, warm  time.Duration
	users    int
	hostile  []int
	backends []string
	postgres string
}

func main() {
	var o options
	hostile := flag.String("hostile", "32,64", "hostile connection counts")
	backends := flag.String("backends", "sqlite,postgres", "backends (postgres needs TEST_POSTGRES_URL)")
	flag.DurationVar(&o.d, "d", 5*time.Second, "measured time per run")
	flag.DurationVar(&o.warm, "warmup", time.Second, "warm-up per run, not measured")
	flag.IntVar(&o.users, "users", 10_000, "users to seed")
	flag.Parse()
	for _, s := range strings.Split(*hostile, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			log.Fatalf("-hostile: %q", s)
		}
		o.hostile = append(o.hostile, n)
	}
	o.postgres = os.Getenv("TEST_POSTGRES_URL")
	for _, b := range strings.Split(*backends, ",") {
		if b == "postgres" && o.postgres == "" {
			log.Print("postgres skipped: set TEST_POSTGRES_URL")
			continue
		}
		o.backends = append(o.backends, b)
	}

	work, err := os.MkdirTemp("", "fairshare")
	benchproc.Check(err)
	defer os.RemoveAll(work)
	bins := map[string]string{}
	for name, pkg := range map[string]string{"userbridge": ".", "load": "./bench/load"} {
		bins[name] = filepath.Join(work, name)
		benchproc.Run("go", "build", "-o", bins[name], pkg)
	}
	fmt.Printf("GOMAXPROCS %d, %d CPUs; legitimate client: `%s`, 16 connections; %s measured per run\n\n",
		runtime.GOMAXPROCS(0), runtime.NumCPU(), viewerQuery, o.d)
	for _, b := range o.backends {
		runBackend(o, bins, work, b)
	}
}

func runBackend(o options, bins map[string]string, work, backend string) {
	dbURL, cleanup := database(o, work, backend)
	defer cleanup()
	storage := filepath.Join(work, backend+"-files")
	res, err := seed.Run(context.Background(), dbURL, seed.Options{Users: o.users, FileShare: 0.2, RestShare: 0.01, StorageDir: storage})
	benchproc.Check(err)
	fmt.Printf("### %s, %d users, %d files; load average at start: %s\n\n", backend, res.Users, res.Files, loadavg())
	fmt.Println("| budget | hostile flood | hostile conns | legit req/s (× idle) | legit p50 / p99 ms (p99 × idle) | legit non-2xx | hostile req/s (2xx / 429) | hostile CPU share | service CPU share |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"off", []string{"--graphql-budget-rate", "0", "--graphql-concurrency", "0"}},
		{"on (defaults)", nil},
	} {
		svc := startService(bins["userbridge"], work, backend, dbURL, storage, mode.args)
		idle := runLoad(o, bins["load"], svc, res.ViewerToken, viewerQuery, 16)
		row(mode.name, "none", 0, idle.res, idle.res, hostileRun{}, svc.cpuShare(idle.wall, idle.cpu))
		for _, flood := range []struct{ name, query string }{{"(a) largest page", pageQuery}, {"(b) refused for complexity", refusedQuery}} {
			for _, c := range o.hostile {
				h := startHostile(o, bins["load"], svc.base, res.AdminToken, flood.query, c)
				legit := runLoad(o, bins["load"], svc, res.ViewerToken, viewerQuery, 16)
				hr := h.wait()
				row(mode.name, flood.name, c, legit.res, idle.res, hr, svc.cpuShare(legit.wall, legit.cpu))
			}
		}
		svc.stop()
	}
	fmt.Println()
}

func row(mode, flood string, conns int, legit, idle loadresult.Result, h hostileRun, svcShare float64) {
	hc, hostileRate, share := "-", "-", "-"
	if conns > 0 {
		hc = strconv.Itoa(conns)
		ok := h.res.Status["200"]
		hostileRate = fmt.Sprintf("%.0f (%.0f / %.0f)", h.res.RPS, float64(ok)/h.res.Seconds, float64(h.res.Status["429"])/h.res.Seconds)
		share = fmt.Sprintf("%.0f %%", 100*h.cpuShare)
	}
	fmt.Printf("| %s | %s | %s | %.0f (%.2f×) | %.2f / %.2f (%.2f×) | %d | %s | %s | %.0f %% |\n",
		mode, flood, hc, legit.RPS, legit.RPS/idle.RPS, legit.P50ms, legit.P99ms, legit.P99ms/idle.P99ms,
		legit.Non2xx, hostileRate, share, 100*svcShare)
}

// service is the running userbridge.
type service struct {
	cmd  *exec.Cmd
	base string
}

func startService(bin, work, backend, dbURL, storage string, extra []string) *service {
	addr := benchproc.FreeAddr()
	logf, err := os.Create(filepath.Join(work, backend+"-service.log"))
	benchproc.Check(err)
	args := append([]string{"serve", "--addr", addr, "--database", dbURL, "--storage", "file://" + storage,
		"--public-url", "http://" + addr, "--secret", "bench-secret-bench-secret-bench-secret",
		"--log-format", "json"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	benchproc.Check(cmd.Start())
	s := &service{cmd: cmd, base: "http://" + addr}
	benchproc.WaitReady(s.base + "/readyz")
	return s
}

func (s *service) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
}

// cpuShare is the service's CPU over a run of wall time: cpu was its
// CPU time before the run.
func (s *service) cpuShare(wall, before time.Duration) float64 {
	used := benchproc.CPU(s.cmd.Process.Pid) - before
	return used.Seconds() / (wall.Seconds() * float64(runtime.NumCPU()))
}

type loadRun struct {
	res       loadresult.Result
	wall, cpu time.Duration // the run's wall time; the service's CPU before it
}

// runLoad runs the load generator to its end.
func runLoad(o options, bin string, svc *service, token, query string, conns int) loadRun {
	cmd := loadCmd(bin, svc.base, token, query, conns, o.warm, o.d)
	var out bytes.Buffer
	cmd.Stdout = &out
	cpu := benchproc.CPU(svc.cmd.Process.Pid)
	start := time.Now()
	benchproc.Check(cmd.Run())
	var r loadresult.Result
	benchproc.Check(json.Unmarshal(out.Bytes(), &r))
	return loadRun{res: r, wall: time.Since(start), cpu: cpu}
}

func loadCmd(bin, base, token, query string, conns int, warm, d time.Duration) *exec.Cmd {
	body, err := json.Marshal(map[string]string{"query": query})
	benchproc.Check(err)
	cmd := exec.Command(bin, "-url", base+"/graphql", "-method", "POST", "-body", string(body),
		"-H", "Content-Type: application/json", "-H", "Authorization: Bearer "+token,
		"-c", strconv.Itoa(conns), "-warmup", warm.String(), "-d", d.String(), "-timeout", "30s")
	cmd.Stderr = os.Stderr
	return cmd
}

type hostileRun struct {
	res      loadresult.Result
	cpuShare float64 // of every CPU, over its run
	cmd      *exec.Cmd
	out      *bytes.Buffer
	start    time.Time
}

// startHostile starts the flood so that it covers the legitimate client's
// warm-up and measured run.
func startHostile(o options, bin, base, token, query string, conns int) *hostileRun {
	cmd := loadCmd(bin, base, token, query, conns, o.warm/2, o.d+o.warm)
	h := &hostileRun{cmd: cmd, out: &bytes.Buffer{}, start: time.Now()}
	cmd.Stdout = h.out
	benchproc.Check(cmd.Start())
	time.Sleep(o.warm / 2)
	return h
}

func (h *hostileRun) wait() hostileRun {
	benchproc.Check(h.cmd.Wait())
	wall := time.Since(h.start)
	cpu := h.cmd.ProcessState.UserTime() + h.cmd.ProcessState.SystemTime()
	h.cpuShare = cpu.Seconds() / (wall.Seconds() * float64(runtime.NumCPU()))
	benchproc.Check(json.Unmarshal(h.out.Bytes(), &h.res))
	return *h
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	benchproc.Check(err)
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

// database is a fresh SQLite file or PostgreSQL schema.
func database(o options, work, backend string) (string, func()) {
	if backend != "postgres" {
		return "sqlite://" + filepath.Join(work, backend+".db"), func() {}
	}
	admin, err := sql.Open("pgx", o.postgres)
	benchproc.Check(err)
	defer admin.Close()
	schema := fmt.Sprintf("fairshare_%d", time.Now().UnixNano()%1_000_000_000)
	_, err = admin.Exec("CREATE SCHEMA " + schema)
	benchproc.Check(err)
	u, err := url.Parse(o.postgres)
	benchproc.Check(err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		if a, err := sql.Open("pgx", o.postgres); err == nil {
			_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	}
}
