// Command shadow measures what the shadow proxy adds to a legacy client's
// latency: the same requests to a legacy stand-in directly, then through
// `userbridge shadow`'s proxy (reads compared in the background with the
// real store), at each connection count. It also checks that every answer
// through the proxy is byte for byte the upstream's.
//
//	go run ./bench/shadow                 # 1 and 16 connections, 5 s each
//	go run ./bench/shadow -d 10s -conns 1,4,16,64
//
// The legacy stand-in answers a fixed Maarch user list (the bytes this
// store gives for the seeded users), so that its own time is small and the
// proxy's share shows; the comparisons run against the real store on a
// temporary SQLite database (or PostgreSQL with -postgres URL).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"userbridge/ent/user"
	"userbridge/internal/app"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/shadow"
)

func main() {
	d := flag.Duration("d", 5*time.Second, "measured time per run")
	warm := flag.Duration("warmup", time.Second, "warm-up per run, not measured")
	connsFlag := flag.String("conns", "1,16", "connection counts")
	users := flag.Int("users", 50, "users in the store (and in the list the stand-in answers)")
	pg := flag.String("postgres", "", "PostgreSQL URL for the store (default: a temporary SQLite file)")
	workers := flag.Int("workers", 0, "comparison workers (0: the proxy's default, half the cores)")
	queue := flag.Int("queue", 0, "comparison queue (0: the proxy's default)")
	fixed := flag.Bool("fixed-store", false, "compare with a handler answering the same fixed bytes instead of the real store: isolates the proxy's own cost (not for the table's main rows)")
	flag.Parse()
	var conns []int
	for _, s := range strings.Split(*connsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			log.Fatalf("-conns: %q", s)
		}
		conns = append(conns, n)
	}
	dir, err := os.MkdirTemp("", "shadow-bench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := app.Defaults()
	cfg.DatabaseURL = "sqlite://" + filepath.Join(dir, "store.db")
	if *pg != "" {
		cfg.DatabaseURL = *pg
	}
	cfg.StorageURL = "file://" + filepath.Join(dir, "files")
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.SweepEvery = -1
	ctx := context.Background()
	a, err := app.New(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	token := seed(ctx, a, *users)

	// The stand-in's answer: the store's own, so that comparisons find no
	// difference and do their whole walk.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/rest/users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	a.Handler.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	legacy := serve(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	up, _ := url.Parse("http://" + legacy)

	res := shadow.NewResults(nil, nil)
	store := a.Handler
	if *fixed {
		store = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		})
	}
	p, err := shadow.New(shadow.Config{Dialect: "maarch", Upstream: up, Store: store, Routes: a.Router(),
		Workers: *workers, Queue: *queue}, res, http.NotFoundHandler())
	if err != nil {
		log.Fatal(err)
	}
	front := serve(p)

	compared := strings.SplitN(cfg.DatabaseURL, ":", 2)[0] + " store"
	if *fixed {
		compared = "fixed-bytes handler"
	}
	fmt.Printf("GET /rest/users, %d-byte answer, compared with the %s, GOMAXPROCS %d\n\n", len(body), compared, runtime.GOMAXPROCS(0))
	fmt.Println("| connections | upstream alone p50 / p99 | through the shadow p50 / p99 | added p50 / p99 | requests (alone / shadow) | compared / dropped | answers differing from the upstream's |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- |")
	for _, c := range conns {
		direct := measure(legacy, token, c, *warm, *d, body)
		before := outcomes(res)
		through := measure(front, token, c, *warm, *d, body)
		after := outcomes(res)
		fmt.Printf("| %d | %s / %s | %s / %s | %s / %s | %d / %d | %d / %d | %d |\n", c,
			ms(direct.p(50)), ms(direct.p(99)), ms(through.p(50)), ms(through.p(99)),
			ms(through.p(50)-direct.p(50)), ms(through.p(99)-direct.p(99)),
			len(direct.lat), len(through.lat),
			after[shadow.OutcomeSame]+after[shadow.OutcomeDifferent]-before[shadow.OutcomeSame]-before[shadow.OutcomeDifferent],
			after[shadow.OutcomeDropped]-before[shadow.OutcomeDropped], direct.wrong+through.wrong)
	}
	_ = p.Close()
	if n := outcomes(res)[shadow.OutcomeDifferent]; n != 0 {
		fmt.Printf("\n%d comparisons reported a difference (expected none)\n", n)
	}
}

// seed makes an administrator (whose token reads the list) and n users.
func seed(ctx context.Context, a *app.App, n int) string {
	admin, err := a.Accounts.Bootstrap(ctx, accounts.CreateInput{Email: "admin@example.com", Role: new(user.RoleAdmin)})
	if err != nil {
		log.Fatal(err)
	}
	for i := range n {
		if _, err := a.Accounts.Bootstrap(ctx, accounts.CreateInput{Email: fmt.Sprintf("u%d@example.com", i),
			FirstName: fmt.Sprintf("First%d", i), LastName: fmt.Sprintf("Last%d", i)}); err != nil {
			log.Fatal(err)
		}
	}
	tok, _, err := a.Accounts.Issue(ctx, accounts.IssueInput{UserEmail: admin.Email})
	if err != nil {
		log.Fatal(err)
	}
	return tok
}

func serve(h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = http.Serve(ln, h) }()
	return ln.Addr().String()
}

type run struct {
	lat   []time.Duration
	wrong int
}

// p is the nearest-rank percentile.
func (r run) p(q int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := (len(r.lat)*q+99)/100 - 1
	return r.lat[max(i, 0)]
}

// measure runs conns keep-alive clients against addr for warm then d,
// keeping every latency of the measured window.
func measure(addr, token string, conns int, warm, d time.Duration, want []byte) run {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	start := time.Now()
	measureFrom, end := start.Add(warm), start.Add(warm+d)
	var mu sync.Mutex
	var out run
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var lat []time.Duration
			wrong := 0
			for {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				req, _ := http.NewRequest("GET", "http://"+addr+"/rest/users", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					wrong++
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				el := time.Since(t0)
				if resp.StatusCode != 200 || !bytes.Equal(b, want) {
					wrong++
				}
				if t0.After(measureFrom) {
					lat = append(lat, el)
				}
			}
			mu.Lock()
			out.lat = append(out.lat, lat...)
			out.wrong += wrong
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(out.lat)
	return out
}

func outcomes(res *shadow.Results) map[string]int64 {
	out := map[string]int64{}
	for _, d := range res.Snapshot().Dialects {
		for _, r := range d.Routes {
			for k, n := range r.Outcomes {
				out[k] += n
			}
		}
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }
