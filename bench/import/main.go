// Command import measures `userbridge import`: people written per second,
// the import's peak memory, and what it costs the clients of a store that
// serves meanwhile (read latency before and during the import).
//
//	go run ./bench/import                        # 20,000 people on SQLite
//	TEST_POSTGRES_URL=postgres://... go run ./bench/import -db postgres
//	go run ./bench/import -n 100000 -rate 0      # unthrottled
//
// It builds the binary, writes an interchange file of n people (each with
// a legacy id, a password hash, a small file and an API key; one in five
// with an avatar), starts the
// service on a fresh database, measures a one-user GraphQL read (the
// viewer, as the harness's "GraphQL viewer") from -conns connections for
// -d while idle, then runs the import as a separate
// process while the same reads go on. Figures belong in bench/README.md.
//
// -dir puts the work folder (database and files folder) elsewhere than the
// temporary folder, -bin measures a binary built beforehand (a tree that
// others are editing may not build). The CPU one file creation takes in
// the work folder is printed first: on this machine it decides much of
// the import's speed.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/crypto/bcrypt"

	"userbridge/bench/benchproc"
)

func main() {
	n := flag.Int("n", 20000, "people in the file")
	backend := flag.String("db", "sqlite", "sqlite or postgres (TEST_POSTGRES_URL)")
	rate := flag.String("rate", "0", "the import's --rate")
	conns := flag.Int("conns", 4, "reading connections")
	dur := flag.Duration("d", 5*time.Second, "idle measuring window")
	prebuilt := flag.String("bin", "", "a userbridge binary to measure (default: build this tree's)")
	parent := flag.String("dir", "", "where the work folder (database, files folder) goes (default: the temporary folder)")
	flag.Parse()

	work, err := os.MkdirTemp(*parent, "bench-import-")
	benchproc.Check(err)
	defer os.RemoveAll(work)
	bin := *prebuilt
	if bin == "" {
		bin = filepath.Join(work, "userbridge")
		build := exec.Command("go", "build", "-o", bin, "userbridge")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		benchproc.Check(build.Run())
	}

	fmt.Printf("creating a file in the work folder %s: %v of CPU each\n", work, createCost(work))
	dbURL := "sqlite://" + filepath.Join(work, "app.db")
	if *backend == "postgres" {
		dbURL = freshSchema(os.Getenv("TEST_POSTGRES_URL"))
	}
	env := append(os.Environ(), "DATABASE_URL="+dbURL, "STORAGE_URL=file://"+filepath.Join(work, "files"),
		"RATE_LIMIT=0", "LOG_FORMAT=json")
	path := filepath.Join(work, "people.jsonl")
	writeFile(path, *n)
	run(bin, env, "user", "create", "--admin", "--email", "reader@example.com", "--password", "password123")
	token := strings.TrimSpace(run(bin, env, "token", "create", "--user", "reader@example.com"))

	addr := benchproc.FreeAddr()
	// The budget off, as in the harness: one token reading as fast as it
	// can would otherwise wait for its points, and the p99 would time the
	// refill, not the import.
	srv := exec.Command(bin, "serve", "--addr", addr, "--graphql-budget-rate", "0", "--graphql-concurrency", "0")
	srv.Env = env
	benchproc.Check(srv.Start())
	defer func() { _ = srv.Process.Kill() }()
	base := "http://" + addr
	benchproc.WaitReady(base + "/readyz")

	idle := measure(base, token, *conns, func(ctx context.Context) { <-ctx.Done() }, *dur)
	var elapsed time.Duration
	var maxRSS int64
	var cpu time.Duration
	var summary string
	during := measure(base, token, *conns, func(context.Context) {
		start := time.Now()
		cmd := exec.Command(bin, "import", path, "--rate", *rate, "--progress", "none")
		cmd.Env = env
		var errOut strings.Builder
		cmd.Stderr = &errOut
		if err := cmd.Run(); err != nil {
			log.Fatalf("import: %v\n%s", err, errOut.String())
		}
		elapsed = time.Since(start)
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		maxRSS = ru.Maxrss
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
		summary = lines[len(lines)-1]
	}, 0)
	fmt.Printf("%s, %d people, --rate %s, %d reading connections\n", *backend, *n, *rate, *conns)
	fmt.Printf("summary: %s\n", summary)
	// People per CPU-second of the import process says what the writer
	// costs whatever else the machine runs; people/s depends on it.
	fmt.Printf("| backend | people | people/s | people per import CPU-second | import peak RSS | read p50 idle | read p99 idle | read p99 during | p99 ratio |\n")
	fmt.Printf("| %s | %d | %.0f | %.0f | %d MiB | %.2f ms | %.2f ms | %.2f ms | %.2f |\n", *backend, *n,
		float64(*n)/elapsed.Seconds(), float64(*n)/cpu.Seconds(), maxRSS/1024,
		ms(idle, 50), ms(idle, 99), ms(during, 99), ms(during, 99)/ms(idle, 99))
}

// viewerRead is the one-user GraphQL read whose p99 the import must keep
// within 3× of idle (issue 27, item 6): the harness's viewer query.
const viewerRead = `{"query":"query Viewer { viewer { id publicID email firstName lastName name role flags status createdAt } }"}`

// measure posts viewerRead on conns connections while busy runs (or for d
// when busy only waits), and returns every latency.
func measure(base, token string, conns int, busy func(context.Context), d time.Duration) []time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	if d > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), d)
	}
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			var mine []time.Duration
			for ctx.Err() == nil {
				req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(viewerRead))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					log.Fatal(err)
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 || bytes.Contains(body, []byte(`"errors"`)) {
					log.Fatalf("read: %d %v %.300s", res.StatusCode, err, body)
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	busy(ctx)
	cancel()
	wg.Wait()
	slices.Sort(all)
	return all
}

func ms(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	if i > 0 {
		i--
	}
	return float64(sorted[i].Microseconds()) / 1000
}

func writeFile(path string, n int) {
	f, err := os.Create(path)
	benchproc.Check(err)
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	// One PHP-style bcrypt hash for everyone: parsing it costs the same
	// as n different ones, computing n would take minutes.
	h, err := bcrypt.GenerateFromPassword([]byte("password123"), 10)
	benchproc.Check(err)
	hash := "$2y$" + strings.TrimPrefix(string(h), "$2a$")
	avatar := base64.StdEncoding.EncodeToString(noisePNG(48))
	for i := range n {
		rec := map[string]any{"type": "user", "email": fmt.Sprintf("p%07d@example.org", i), "email_verified": true,
			"given_name": "Person", "family_name": fmt.Sprint(i), "updated_at": "2024-01-01T00:00:00Z",
			"legacy_ids":    map[string]any{"maarch": 9000000 + i},
			"password_hash": map[string]any{"algorithm": "bcrypt", "value": hash},
			"files":         []any{map[string]any{"name": "note.txt", "base64": "bm90ZQ=="}},
			"credentials":   []any{map[string]any{"kind": "api_key", "token": fmt.Sprintf("bench-legacy-key-%010d", i), "scopes": []string{"identity"}}},
		}
		if i%5 == 0 { // one person in five has an avatar, as the workload says
			rec["avatar"] = map[string]any{"base64": avatar}
		}
		benchproc.Check(enc.Encode(rec))
	}
	benchproc.Check(w.Flush())
	benchproc.Check(f.Close())
}

// noisePNG is a size×size PNG of random pixels: a photo-like avatar that
// does not compress away.
func noisePNG(size int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = byte(rand.IntN(256))
	}
	var b bytes.Buffer
	benchproc.Check(png.Encode(&b, img))
	return b.Bytes()
}

// createCost is the CPU one file creation takes in dir (200 files, left
// for the run's cleanup): on ext4 without a journal it grows with the
// inodes freed in the last minutes near dir, which every avatar and file
// of the import then pays (bench/README.md).
func createCost(dir string) time.Duration {
	var before, after syscall.Rusage
	benchproc.Check(syscall.Getrusage(syscall.RUSAGE_SELF, &before))
	const n = 200
	for i := range n {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("probe-%d", i)))
		benchproc.Check(err)
		benchproc.Check(f.Close())
	}
	benchproc.Check(syscall.Getrusage(syscall.RUSAGE_SELF, &after))
	spent := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	return spent / n
}

func run(bin string, env []string, args ...string) string {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("%v: %v", args, err)
	}
	return string(out)
}

// freshSchema makes a schema of its own in the PostgreSQL database base
// names, and returns base with its search_path there.
func freshSchema(base string) string {
	if base == "" {
		log.Fatal("-db postgres needs TEST_POSTGRES_URL")
	}
	db, err := sql.Open("pgx", base)
	benchproc.Check(err)
	defer db.Close()
	name := fmt.Sprintf("bench_import_%d", time.Now().UnixNano())
	_, err = db.Exec("CREATE SCHEMA " + name)
	benchproc.Check(err)
	u, err := url.Parse(base)
	benchproc.Check(err)
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
