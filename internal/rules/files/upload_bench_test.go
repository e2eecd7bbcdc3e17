package files_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/store/db/dbtest"
)

const benchSize = 200 << 20

// pattern yields n pseudo-random bytes from a 1 MiB block, so the source
// holds no more than that in memory.
type pattern struct {
	block []byte
	left  int64
	off   int
}

func newPattern(n int64) *pattern {
	b := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return &pattern{block: b, left: n}
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := copy(b, p.block[p.off:])
	p.off = (p.off + n) % len(p.block)
	p.left -= int64(n)
	return n, nil
}

// peakHeap samples HeapInuse until stop is closed and returns the peak.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var m runtime.MemStats
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// BenchmarkUpload uploads 200 MiB through the real HTTP stack (a TCP
// httptest server, GraphQL multipart, uploadUserFile into a local bucket)
// and reports the peak heap growth during the upload and the throughput
// beside a plain io.Copy of the same bytes to a file on the same disk.
//
//	go test -bench Upload -run '^$' -benchtime 3x ./internal/rules/files/
func BenchmarkUpload(b *testing.B) {
	env := apptest.New(b, dbtest.URL(b, dbtest.SQLite), func(c *app.Config) {
		c.MaxUploadBytes = benchSize
		c.SweepEvery = -1
	})
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()
	token := env.Token(b, env.User(b, "bench@example.com"))
	measure(b, func() { uploadOnce(b, srv.URL+"/graphql", token) })
}

// BenchmarkUploadStream is the path a REST dialect takes: the handler reads
// the multipart body part by part (r.MultipartReader) and hands the file
// part, unspooled, to UploadUserFile.
//
//	go test -bench UploadStream -run '^$' -benchtime 3x ./internal/rules/files/
func BenchmarkUploadStream(b *testing.B) {
	env := apptest.New(b, dbtest.URL(b, dbtest.SQLite), func(c *app.Config) {
		c.MaxUploadBytes = benchSize
		c.SweepEvery = -1
	})
	u := env.User(b, "bench@example.com")
	v := &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := files.MultipartReader(r)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for {
			part, err := mr.NextPart()
			if err != nil {
				http.Error(w, "no file part", 400)
				return
			}
			if part.FileName() == "" {
				continue
			}
			f, err := env.Files.UploadUserFile(r.Context(), v, u.ID,
				files.Upload{Name: part.FileName(), Body: part}, files.UserFileInput{})
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			fmt.Fprintf(w, `{"data":{"size":%d}}`, f.Size)
			return
		}
	}))
	defer srv.Close()
	measure(b, func() { uploadOnce(b, srv.URL, "") })
}

// measure runs upload b.N times, reporting throughput, the io.Copy
// baseline, their ratio and the peak heap growth.
func measure(b *testing.B, upload func()) {
	baseline := copyToDisk(b)

	var peakGrowth uint64
	var elapsed time.Duration
	for b.Loop() {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		base := m.HeapInuse
		stop := make(chan struct{})
		peak := peakHeap(stop)
		start := time.Now()
		upload()
		elapsed += time.Since(start)
		close(stop)
		if p := <-peak; p > base {
			peakGrowth = max(peakGrowth, p-base)
		}
	}
	mibps := float64(benchSize) / (1 << 20) / (elapsed.Seconds() / float64(b.N))
	b.ReportMetric(mibps, "MiB/s")
	b.ReportMetric(baseline, "copy-MiB/s")
	b.ReportMetric(mibps/baseline, "ratio")
	b.ReportMetric(float64(peakGrowth)/(1<<20), "peak-heap-MiB")
}

func uploadOnce(b *testing.B, url, token string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		ops, _ := json.Marshal(map[string]any{
			"query":     `mutation($file: Upload!) { uploadUserFile(file: $file) { id size } }`,
			"variables": map[string]any{"file": nil},
		})
		_ = mw.WriteField("operations", string(ops))
		_ = mw.WriteField("map", `{"0":["variables.file"]}`)
		fw, _ := mw.CreateFormFile("0", "big.bin")
		_, err := io.Copy(fw, newPattern(benchSize))
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", url, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !json.Valid(body) || len(body) == 0 || string(body[:9]) != `{"data":{` {
		b.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	if want := fmt.Sprintf(`"size":%d`, benchSize); !strings.Contains(string(body), want) {
		b.Fatalf("upload: %s", body)
	}
}

// copyToDisk is the baseline: io.Copy of the same bytes to a file, MiB/s.
func copyToDisk(b *testing.B) float64 {
	f, err := os.Create(filepath.Join(b.TempDir(), "baseline"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	if _, err := io.Copy(f, newPattern(benchSize)); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return float64(benchSize) / (1 << 20) / time.Since(start).Seconds()
}
