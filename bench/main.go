// Command bench measures userbridge against a hand-written baseline, side by
// side in one run, and writes the table to bench/results/. See README.md.
//
//	go run ./bench                      # 10,000 users, SQLite (and PostgreSQL when TEST_POSTGRES_URL is set)
//	go run ./bench -users 100000        # the same on 100,000 users
//	go run ./bench -quick               # a short smoke run of the harness itself
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"userbridge/bench/seed"
)

type options struct {
	users, depthUsers int
	conns             []int
	duration, warmup  time.Duration
	uploadMiB         int64
	uploads           int
	postgres          string
	pprofDir          string
	keep              bool
	only              string
	serviceEnv        envList
	peer              string
	peerRounds        int
	backends          []string // sqlite, postgres: which to measure (postgres only with TEST_POSTGRES_URL)
	peerOnly          bool     // on PostgreSQL, measure the peer comparison only (no baseline table there)
}

// envList is a repeatable K=V flag.
type envList []string

func (l *envList) String() string { return strings.Join(*l, " ") }
func (l *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("%q is not K=V", v)
	}
	*l = append(*l, v)
	return nil
}

// dataset is what the scenarios address.
type dataset struct {
	admin, viewer, upload, viewerPub string
	viewerID                         int
	writers                          []seed.Writer // plain users with a key each, for the spread writes
}

func main() {
	var o options
	var conns string
	quick := flag.Bool("quick", false, "smoke run: 1,000 users, 1 s per measurement, 16 MiB upload, no depth test (flags given explicitly win)")
	flag.IntVar(&o.users, "users", 10_000, "users to seed (100000 for the large data set)")
	flag.IntVar(&o.depthUsers, "depth-users", 100_000, "users for the page 1 / page 1,000 test (0: skip it)")
	flag.StringVar(&conns, "conns", "1,16,64", "concurrent connections, comma-separated")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "measured duration of each run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "warm-up before each run")
	flag.Int64Var(&o.uploadMiB, "upload-mib", 200, "size of the upload scenario, MiB")
	flag.IntVar(&o.uploads, "uploads", 3, "uploads per target (one at a time)")
	flag.Var(&o.serviceEnv, "service-env", "an environment variable for the service only, as K=V (repeatable; for experiments such as GOGC=200: not for the table)")
	flag.StringVar(&o.pprofDir, "pprof", "", "start the service with PPROF=1 and save a CPU profile of each 64-connection run here (distorts the figures: not for the table)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work folder (databases, blobs, logs)")
	flag.StringVar(&o.only, "only", "", "run only scenarios whose name matches this regular expression")
	flag.StringVar(&o.peer, "peer", "", "also measure a peer GraphQL server on the same PostgreSQL tables: postgraphile (Node 22 and the postgraphile npm package in bench/peer; skipped with a message when absent, see peer.go)")
	flag.IntVar(&o.peerRounds, "peer-rounds", 3, "interleaved rounds of the peer comparison (the table gives the median ratio)")
	backendList := flag.String("backends", "sqlite,postgres", "backends to measure, comma-separated (postgres needs TEST_POSTGRES_URL)")
	flag.BoolVar(&o.peerOnly, "peer-only", false, "on PostgreSQL, skip the service-against-baseline runs and measure only the peer comparison (with -peer); the byte checks still run")
	flag.Parse()
	for _, b := range strings.Split(*backendList, ",") {
		switch b = strings.TrimSpace(b); b {
		case "sqlite", "postgres":
			o.backends = append(o.backends, b)
		default:
			fmt.Fprintf(os.Stderr, "bench: -backends: %q is neither sqlite nor postgres\n", b)
			os.Exit(2)
		}
	}
	if o.peerOnly && o.peer == "" {
		fmt.Fprintln(os.Stderr, "bench: -peer-only needs -peer")
		os.Exit(2)
	}
	if o.peer != "" && o.peer != "postgraphile" {
		fmt.Fprintln(os.Stderr, "bench: -peer: only postgraphile is known")
		os.Exit(2)
	}
	if _, err := regexp.Compile(o.only); err != nil {
		fmt.Fprintln(os.Stderr, "bench: -only:", err)
		os.Exit(2)
	}
	if *quick {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		q := func(name string, apply func()) {
			if !set[name] {
				apply()
			}
		}
		q("users", func() { o.users = 1000 })
		q("depth-users", func() { o.depthUsers = 0 })
		q("d", func() { o.duration = time.Second })
		q("warmup", func() { o.warmup = 300 * time.Millisecond })
		q("upload-mib", func() { o.uploadMiB = 16 })
		q("uploads", func() { o.uploads = 1 })
	}
	for _, c := range strings.Split(conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 || n > 256 {
			fatal(fmt.Errorf("-conns: %q", c))
		}
		o.conns = append(o.conns, n)
	}
	o.postgres = os.Getenv("TEST_POSTGRES_URL")
	if err := run(o, strings.TrimSpace("go run ./bench "+strings.Join(os.Args[1:], " "))); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(o options, command string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "userbridge-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("work folder: %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	rep := &report{Command: command, Started: time.Now().UTC(), Machine: machine(), Options: o.describe()}
	logf("building the service, the baseline and the load generator")
	t0 := time.Now()
	bins, err := build(root, work)
	if err != nil {
		return err
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("build: %.1f s", time.Since(t0).Seconds()))

	var backends []string
	if slices.Contains(o.backends, "sqlite") {
		backends = append(backends, "sqlite")
	}
	switch {
	case !slices.Contains(o.backends, "postgres"):
		rep.Notes = append(rep.Notes, "PostgreSQL not measured: not in -backends")
	case o.postgres != "":
		backends = append(backends, "postgres")
	default:
		rep.Notes = append(rep.Notes, "PostgreSQL not measured: TEST_POSTGRES_URL is not set")
	}
	var pg *peer
	if o.peer != "" {
		var note string
		pg, note = findPeer(o, root)
		logf("%s", note)
		rep.Notes = append(rep.Notes, note)
	}
	// A failing part is reported, and the rest still runs: a partial table
	// beats none.
	var failed []string
	for _, b := range backends {
		if err := runBackend(o, rep, bins, work, b, pg); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", b, err))
		}
	}
	if o.depthUsers > 0 {
		for _, b := range backends {
			if err := runDepth(o, rep, bins, work, b); err != nil {
				failed = append(failed, fmt.Sprintf("%s depth: %v", b, err))
			}
		}
	}
	for _, f := range failed {
		rep.Notes = append(rep.Notes, "**FAILED** "+f)
	}
	rep.Finished = time.Now().UTC()
	if err := rep.write(filepath.Join(root, "bench", "results")); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d part(s) failed: %s", len(failed), strings.Join(failed, "; "))
	}
	return nil
}

// database returns a fresh database URL of a backend and a cleanup.
func database(o options, work, backend, name string) (string, func(), error) {
	if backend == "sqlite" {
		return "sqlite://" + filepath.Join(work, name+".db"), func() {}, nil
	}
	admin, err := sql.Open("pgx", o.postgres)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	schema := fmt.Sprintf("bench_%s_%d", name, time.Now().UnixNano()%1_000_000_000)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	u, err := url.Parse(o.postgres)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		a, err := sql.Open("pgx", o.postgres)
		if err == nil {
			_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	}, nil
}

func seedDB(rep *report, dbURL, storage, backend string, users, writers int) (dataset, error) {
	logf("%s: seeding %d users", backend, users)
	res, err := seed.Run(context.Background(), dbURL, seed.Options{Users: users, FileShare: 0.2, RestShare: 0.01,
		StorageDir: storage, Writers: writers})
	if err != nil {
		return dataset{}, err
	}
	logf("%s: seeded %d users and %d files in %.1f s", backend, res.Users, res.Files, res.Took.Seconds())
	rep.Seeds = append(rep.Seeds, seedInfo{Backend: backend, Users: res.Users, Files: res.Files, Seconds: res.Took.Seconds()})
	return dataset{admin: res.AdminToken, viewer: res.ViewerToken, upload: res.UploadToken, viewerPub: res.ViewerPub,
		viewerID: res.ViewerID, writers: res.Writers}, nil
}

// startPair starts the service and the baseline on one database.
func startPair(o options, bins map[string]string, work, backend, dbURL, storage string) (svc, base *proc, err error) {
	env := slices.Clone(o.serviceEnv)
	if o.pprofDir != "" {
		env = append(env, "PPROF=1")
	}
	maxUpload := strconv.FormatInt((o.uploadMiB+16)<<20, 10)
	svc, err = start("userbridge", bins["userbridge"], filepath.Join(work, backend+"-service.log"), env,
		"serve", "--addr", "ADDR", "--database", dbURL, "--storage", "file://"+storage,
		"--public-url", "http://ADDR", "--rate-limit", "0", "--max-upload", maxUpload,
		// The GraphQL budget (20,000 points a second, 16 requests in flight
		// per client) would refuse or queue a page's load from one token, as
		// --rate-limit 0 avoids for users-v1.
		"--graphql-budget-rate", "0", "--graphql-concurrency", "0",
		"--secret", "bench-secret-bench-secret-bench-secret", "--log-format", "json")
	if err != nil {
		return nil, nil, err
	}
	base, err = start("baseline", bins["baseline"], filepath.Join(work, backend+"-baseline.log"), nil,
		"--addr", "ADDR", "--database", dbURL, "--storage", storage, "--public-url", "http://ADDR")
	if err != nil {
		svc.stop()
		return nil, nil, err
	}
	return svc, base, nil
}

func runBackend(o options, rep *report, bins map[string]string, work, backend string, pg *peer) error {
	dbURL, cleanup, err := database(o, work, backend, "main")
	if err != nil {
		return err
	}
	defer cleanup()
	storage := filepath.Join(work, backend+"-files")
	d, err := seedDB(rep, dbURL, storage, backend, o.users, maxInt(o.conns))
	if err != nil {
		return err
	}
	svc, base, err := startPair(o, bins, work, backend, dbURL, storage)
	if err != nil {
		return err
	}
	svc.metricsToken = d.admin
	defer base.stop()
	defer svc.stop()
	rep.Notes = append(rep.Notes, fmt.Sprintf("%s: load when its measurements started: `%s`", backend, sh("uptime")))
	sm, bm := svc.status(), base.status()
	rep.Notes = append(rep.Notes, fmt.Sprintf("%s: RSS after start and first sweep: service %.0f MiB (%.0f of it file pages: the binary and libraries), baseline %.0f MiB (%.0f)",
		backend, sm["VmRSS"], sm["RssFile"], bm["VmRSS"], bm["RssFile"]))

	for _, sc := range scenarios(d, o.uploadMiB<<20) {
		if o.only != "" && !matches(o.only, sc.Name) {
			continue
		}
		if sc.Each != nil && len(sc.Each) == 0 {
			logf("%s: %s not measured: no writer seeded (fewer than 4 users)", backend, sc.Name)
			continue
		}
		if sc.Compare {
			rep.Checks = append(rep.Checks, compare(backend, sc, svc, base))
		}
		if o.peerOnly && pg != nil && backend == "postgres" {
			continue // only the peer comparison below
		}
		if sc.Kind == "upload" {
			// One at a time (o.uploads of them), then 16 at once (one per
			// connection); 64 at once would write 25 GiB per target.
			for _, c := range []int{1, 16} {
				for _, p := range []*proc{base, svc} {
					m, err := measure(o, bins["load"], p, sc, c, backend, max(o.uploads, c))
					if err != nil {
						return err
					}
					rep.add(m)
				}
			}
			continue
		}
		targets := []*proc{base, svc}
		if sc.ServiceOnly {
			targets = []*proc{svc}
		}
		for _, c := range o.conns {
			for _, p := range targets {
				m, err := measure(o, bins["load"], p, sc, c, backend, 0)
				if err != nil {
					return err
				}
				rep.add(m)
			}
		}
	}
	if pg != nil && backend == "postgres" {
		return runPeer(o, rep, bins, work, dbURL, d, svc, pg)
	}
	return nil
}

// compare checks that the service and the baseline answer a read with the
// same status and the same bytes.
func compare(backend string, sc scenario, svc, base *proc) check {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := check{Backend: backend, Scenario: sc.Name}
	s1, b1, err1 := fetch(ctx, sc.Method, svc.base+sc.Path, sc.Token, sc.Body)
	s2, b2, err2 := fetch(ctx, sc.Method, base.base+sc.Path, sc.Token, sc.Body)
	b1 = costExtension.ReplaceAll(b1, []byte("}"))
	switch {
	case err1 != nil || err2 != nil:
		c.Detail = fmt.Sprintf("request failed: service %v, baseline %v", err1, err2)
	case s1 != s2:
		c.Detail = fmt.Sprintf("status %d (service) vs %d (baseline); service body %.300s", s1, s2, b1)
	case string(b1) != string(b2):
		c.Detail = diff(b1, b2)
	default:
		c.Identical = true
		c.Detail = fmt.Sprintf("%d bytes, status %d", len(b1), s1)
	}
	logf("%s: compare %s: identical=%v %s", backend, sc.Name, c.Identical, c.Detail)
	return c
}

// costExtension is the end of a GraphQL answer with the budget's points
// off: extensions.cost names the operation's complexity, which the baseline
// does not compute. compare leaves it out.
var costExtension = regexp.MustCompile(`,"extensions":\{"cost":\{"requested":[0-9]+\}\}\}$`)

// measure runs the load generator once against p and reads the statement
// counter and the peak RSS around it. n > 0 bounds the measured requests.
func measure(o options, loadBin string, p *proc, sc scenario, conns int, backend string, n int) (measurement, error) {
	m := measurement{Backend: backend, Scenario: sc.Name, Kind: sc.Kind, Target: p.name, Conns: conns, UploadMiB: sc.Upload >> 20}
	before, err := p.statements()
	if err != nil {
		return m, err
	}
	p.resetPeak()
	args := []string{"-url", p.base + sc.Path, "-method", sc.Method, "-c", strconv.Itoa(conns),
		"-H", "Authorization: Bearer " + sc.Token, "-d", o.duration.String(), "-warmup", o.warmup.String()}
	if sc.Body != "" {
		args = append(args, "-body", sc.Body, "-H", "Content-Type: application/json")
	}
	if len(sc.Each) > 0 {
		f, err := eachFile(sc.Each)
		if err != nil {
			return m, err
		}
		defer os.Remove(f)
		args = append(args, "-each", f)
	}
	if sc.Upload > 0 {
		args = append(args, "-upload", strconv.FormatInt(sc.Upload, 10), "-warmup", "0s", "-d", "10m", "-timeout", "5m")
	}
	if n > 0 {
		args = append(args, "-n", strconv.Itoa(n))
	}
	var prof chan error
	if o.pprofDir != "" && p.name == "userbridge" && conns == maxInt(o.conns) {
		prof = profile(p, o, sc, backend)
	}
	out, err := exec.Command(loadBin, args...).Output()
	if err != nil {
		return m, fmt.Errorf("load %s: %w", sc.Name, err)
	}
	if err := json.Unmarshal(out, &m.Load); err != nil {
		return m, fmt.Errorf("load output %q: %w", out, err)
	}
	if prof != nil {
		if err := <-prof; err != nil {
			logf("profile: %v", err)
		}
	}
	after, err := p.statements()
	if err != nil {
		return m, err
	}
	if total := m.Load.Requests + m.Load.Warmup; total > 0 {
		m.Statements = (after - before) / float64(total)
	}
	m.PeakMiB, m.RSSMiB = p.memory()
	logf("%s %-50s %-10s c=%-3d %8.1f req/s p50 %7.2f ms p99 %7.2f ms  non2xx %d err %d  stmts/req %.2f  peak %.0f MiB",
		backend, sc.Name, p.name, conns, m.Load.RPS, m.Load.P50ms, m.Load.P99ms, m.Load.Non2xx, m.Load.Errors, m.Statements, m.PeakMiB)
	if m.Load.FirstBody != "" {
		logf("  first non-2xx body: %.200s", m.Load.FirstBody)
	}
	if m.Load.FirstErr != "" {
		logf("  first error: %.200s", m.Load.FirstErr)
	}
	return m, nil
}

// matches reports whether -only (checked at start) selects a scenario.
func matches(only, name string) bool { return regexp.MustCompile(only).MatchString(name) }

func maxInt(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run from inside the userbridge module")
	}
	return filepath.Dir(mod), nil
}

// eachFile writes the per-connection values of a scenario for load's
// -each and returns the file's path.
func eachFile(each []map[string]string) (string, error) {
	f, err := os.CreateTemp("", "bench-each-*.json")
	if err != nil {
		return "", err
	}
	err = json.NewEncoder(f).Encode(each)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}
