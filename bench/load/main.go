// Command load drives one HTTP scenario against a loopback server with a
// fixed number of concurrent connections, bounded in time and in count, and
// prints one JSON line: requests, throughput, exact p50/p99/max latencies,
// status counts (non-2xx counted apart) and transport errors.
//
//	load -url http://127.0.0.1:8080/users/@current -H 'Authorization: Bearer ...' -c 16 -d 5s
//
// A body may carry {{n}}, replaced by a counter unique in the run (writes
// that must not collide), and -upload N sends a streamed multipart body of
// N bytes in part "file" instead of -body. With -each FILE (a JSON array
// of objects of strings), connection i fills {{key}} in the URL, the
// headers and the body from object i modulo their number: a user and a
// token per connection.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"userbridge/bench/loadresult"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, "; ") }
func (h *headers) Set(s string) error { *h = append(*h, s); return nil }

func main() {
	var hs headers
	target := flag.String("url", "", "target URL (loopback only)")
	method := flag.String("method", "GET", "HTTP method")
	flag.Var(&hs, "H", "header 'Name: value' (repeatable)")
	body := flag.String("body", "", "request body; {{n}} is replaced by a counter unique in the run")
	upload := flag.Int64("upload", 0, "send a streamed multipart upload of this many bytes in part \"file\"")
	conns := flag.Int("c", 1, "concurrent connections")
	dur := flag.Duration("d", 5*time.Second, "measured duration")
	warm := flag.Duration("warmup", time.Second, "unmeasured warm-up before the measured duration")
	maxReq := flag.Int("n", 1_000_000, "stop after this many measured requests")
	timeout := flag.Duration("timeout", 60*time.Second, "per-request timeout")
	each := flag.String("each", "", "JSON file: an array of objects of strings; connection i fills {{key}} from object i modulo their number")
	flag.Parse()

	fills, err := readFills(*each)
	if err != nil {
		fail(err)
	}

	u, err := url.Parse(fills[0].Replace(*target))
	if err != nil || !loopback(u.Hostname()) {
		fail(fmt.Errorf("-url must be an http URL on 127.0.0.1, ::1 or localhost, got %q", *target))
	}
	if *conns < 1 || *conns > 1024 || *dur <= 0 || *dur > 10*time.Minute || *maxReq < 1 {
		fail(fmt.Errorf("bounds: -c 1..1024, -d up to 10m, -n at least 1"))
	}
	tr := &http.Transport{
		MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns,
		DisableCompression: true, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	client := &http.Client{Transport: tr, Timeout: *timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	run := strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	var counter atomic.Int64
	newReq := func(ctx context.Context, fill *strings.Replacer) (*http.Request, error) {
		var rd io.Reader
		ctype := ""
		switch {
		case *upload > 0:
			rd, ctype = multipartBody(*upload)
		case *body != "":
			b := strings.ReplaceAll(fill.Replace(*body), "{{n}}", run+strconv.FormatInt(counter.Add(1), 10))
			rd = strings.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, *method, fill.Replace(*target), rd)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			k, v, _ := strings.Cut(fill.Replace(h), ":")
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		return req, nil
	}

	var (
		mu       sync.Mutex
		res      = loadresult.Result{Status: map[string]int{}}
		lat      []time.Duration
		measured atomic.Bool
		issued   atomic.Int64
	)
	ctx, cancel := context.WithTimeout(context.Background(), *warm+*dur+*timeout)
	defer cancel()
	stopAt := time.Now().Add(*warm + *dur)
	var wg sync.WaitGroup
	for i := range *conns {
		fill := fills[i%len(fills)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			local := loadresult.Result{Status: map[string]int{}}
			for time.Now().Before(stopAt) {
				m := measured.Load()
				if m && issued.Add(1) > int64(*maxReq) {
					break
				}
				req, err := newReq(ctx, fill)
				if err != nil {
					fail(err)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				var n int64
				var head []byte
				if err == nil {
					if resp.StatusCode/100 != 2 {
						head, _ = io.ReadAll(io.LimitReader(resp.Body, 512))
					}
					n, _ = io.Copy(io.Discard, resp.Body)
					n += int64(len(head))
					resp.Body.Close()
				}
				d := time.Since(t0)
				if !m {
					local.Warmup++
					continue
				}
				mine = append(mine, d)
				local.Requests++
				local.BytesIn += n
				switch {
				case err != nil:
					local.Errors++
					if local.FirstErr == "" {
						local.FirstErr = err.Error()
					}
				default:
					local.Status[strconv.Itoa(resp.StatusCode)]++
					if resp.StatusCode/100 != 2 {
						local.Non2xx++
						if local.FirstBody == "" {
							local.FirstBody = string(head)
						}
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, mine...)
			res.Requests += local.Requests
			res.Warmup += local.Warmup
			res.Errors += local.Errors
			res.Non2xx += local.Non2xx
			res.BytesIn += local.BytesIn
			for k, v := range local.Status {
				res.Status[k] += v
			}
			if res.FirstErr == "" {
				res.FirstErr = local.FirstErr
			}
			if res.FirstBody == "" {
				res.FirstBody = local.FirstBody
			}
		}()
	}
	time.Sleep(*warm)
	measured.Store(true)
	start := time.Now()
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.RPS = float64(res.Requests) / res.Seconds
	slices.Sort(lat)
	res.P50ms, res.P99ms = ms(quantile(lat, 0.50)), ms(quantile(lat, 0.99))
	if len(lat) > 0 {
		res.MaxMs = ms(lat[len(lat)-1])
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

// readFills reads -each's file into one replacer of {{key}} per object;
// without a file, one replacer that changes nothing.
func readFills(path string) ([]*strings.Replacer, error) {
	if path == "" {
		return []*strings.Replacer{strings.NewReplacer()}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []map[string]string
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("-each %s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("-each %s: no object", path)
	}
	fills := make([]*strings.Replacer, len(rows))
	for i, row := range rows {
		var pairs []string
		for k, v := range row {
			pairs = append(pairs, "{{"+k+"}}", v)
		}
		fills[i] = strings.NewReplacer(pairs...)
	}
	return fills, nil
}

// quantile is the nearest-rank quantile of sorted latencies.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*q+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// multipartBody streams a multipart/form-data body whose part "file" holds
// size pseudo-random bytes, generated as it is sent (never held whole).
func multipartBody(size int64) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", "upload.bin")
		if err == nil {
			_, err = io.Copy(part, io.LimitReader(noise(), size))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType()
}

var block = func() []byte {
	b := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}()

// noise repeats one random MiB forever.
func noise() io.Reader {
	return readerFunc(func(p []byte) (int, error) {
		n := 0
		for n < len(p) {
			n += copy(p[n:], block)
		}
		return n, nil
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(2)
}
