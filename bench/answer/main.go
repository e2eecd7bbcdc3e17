// Command answer measures the service against the storage and
// answer attack once the bounds hold (issue #26, item 1): an ordinary user
// fills its signatures up to SIGNATURE_SETS_PER_USER and
// SIGNATURE_BYTES_PER_USER with valid images of about 1 MB (Maarch PUT
// /rest/users/{id}/externalSignatures, two a set), then asks for the
// largest answer the bounds allow, `{ viewer { signatures {
// encodedSignature } } }`, once and then -n at once; last it sends -n
// Maarch bodies at once of the images that cost the most to check: 4096 x
// 4096 PNGs, 16 bits a sample, all zeros (130 KB each that Go's decoder
// would hold as 128 MiB), then 4096 x 4096 JPEGs. For each phase it prints the answers, the bytes received, the
// wall time, the service's CPU time (user + system, /proc/PID/stat) and
// its peak RSS (VmHWM), each phase on a freshly started service so that
// the figures are the phase's own. It builds the service and runs it on a
// fresh SQLite database in a temporary folder, on a free loopback port.
// Linux only.
//
//	go run ./bench/answer           # -n 3 (the issue measured three at once)
//	go run ./bench/answer -n 8
//
// Figures go in bench/README.md ("Answers and images after the bounds").
package main

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"userbridge/bench/benchproc"
)

func main() {
	n := flag.Int("n", 3, "concurrent requests of the answer and decode phases")
	flag.Parse()
	log.SetFlags(0)

	dir, err := os.MkdirTemp("", "userbridge-answer-")
	benchproc.Check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "userbridge")
	benchproc.Run("go", "build", "-o", bin, ".")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	benchproc.Check(err)
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ(),
		"DATABASE_URL=sqlite://"+filepath.Join(dir, "app.db"),
		"STORAGE_URL=file://"+filepath.Join(dir, "files"),
		"ADDR="+addr, "SECRET_KEY=answer-bench-secret-0123456789abcdef", "LOG_FORMAT=json")
	cli := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			log.Fatalf("%v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	id := strings.Fields(cli("user", "create", "--email", "attacker@example.com", "--password", "password-123"))[0]
	tok := cli("token", "create", "--user", "attacker@example.com")

	// Each phase runs on a freshly started service (same database): its
	// peak RSS and CPU are the phase's own, not what an earlier phase left.
	base := "http://" + addr
	fresh := func() (proc, func()) {
		srv := exec.Command(bin)
		srv.Env = env
		logf, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		benchproc.Check(err)
		srv.Stdout, srv.Stderr = logf, logf
		benchproc.Check(srv.Start())
		benchproc.WaitReady(base + "/readyz")
		return proc{srv.Process.Pid}, func() {
			_ = srv.Process.Kill()
			_ = srv.Wait()
			logf.Close()
		}
	}
	p, stop := fresh()
	fmt.Printf("start-up: peak RSS %.1f MiB\n", p.hwmMiB())
	stop()

	put := base + "/rest/users/" + id + "/externalSignatures"
	sig := noisePNG(500, 500)
	bodies := make([][]byte, 100)
	for i := range bodies {
		bodies[i] = sigBody(fmt.Sprintf("app-%d", i), sig, sig)
	}
	measure(fresh, "fill: 100 sets of two ~1 MB PNGs, one after the other", func(r *result) {
		for _, b := range bodies {
			r.add(do(http.MethodPut, put, tok, b))
		}
	})

	query, _ := json.Marshal(map[string]string{"query": "{ viewer { signatures { encodedSignature } } }"})
	gql := request{http.MethodPost, base + "/graphql", tok, query}
	measure(fresh, "answer: { viewer { signatures { encodedSignature } } } x1", concurrently(1, gql))
	measure(fresh, fmt.Sprintf("answer: the same x%d at once", *n), concurrently(*n, gql))

	bomb := sixteenBitZeros(4096)
	measure(fresh, fmt.Sprintf("decode: %d PUTs at once of two 4096x4096 16-bit PNGs (%d bytes each)", *n, len(bomb)),
		concurrently(*n, request{http.MethodPut, put, tok, sigBody("app-1", bomb, bomb)}))
	jpg := bigJPEG(4096)
	measure(fresh, fmt.Sprintf("decode: %d PUTs at once of two 4096x4096 JPEGs (%d bytes each)", *n, len(jpg)),
		concurrently(*n, request{http.MethodPut, put, tok, sigBody("app-1", jpg, jpg, "jpeg")}))
}

// bigJPEG is a side x side colour JPEG of one colour: small to send, the
// whole image to decode.
func bigJPEG(side int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = byte(i % 3 * 80)
	}
	var buf bytes.Buffer
	benchproc.Check(jpeg.Encode(&buf, img, &jpeg.Options{Quality: 1}))
	return buf.Bytes()
}

type request struct {
	method, url, token string
	body               []byte
}

// result is what a phase's requests got back.
type result struct {
	mu    sync.Mutex
	codes map[int]int
	bytes int64
}

func (r *result) add(code int, n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.codes[code]++
	r.bytes += n
}

// concurrently sends k copies of req at once.
func concurrently(k int, req request) func(*result) {
	return func(r *result) {
		var wg sync.WaitGroup
		for range k {
			wg.Go(func() { r.add(do(req.method, req.url, req.token, req.body)) })
		}
		wg.Wait()
	}
}

// measure starts a fresh service, runs send against it and prints what
// the service spent: CPU from start-up on, the peak RSS of its whole life.
func measure(fresh func() (proc, func()), name string, send func(*result)) {
	p, stop := fresh()
	defer stop()
	cpu0 := p.cpu()
	start := time.Now()
	r := &result{codes: map[int]int{}}
	send(r)
	wall := time.Since(start)
	fmt.Printf("%s\n  answers %v, %.1f MiB received, wall %.2f s, service CPU %.2f s, peak RSS %.1f MiB\n",
		name, r.codes, float64(r.bytes)/(1<<20), wall.Seconds(), (p.cpu() - cpu0).Seconds(), p.hwmMiB())
}

func do(method, url, token string, body []byte) (int, int64) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	benchproc.Check(err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	benchproc.Check(err)
	defer res.Body.Close()
	n, _ := io.Copy(io.Discard, res.Body)
	return res.StatusCode, n
}

// sigBody is a Maarch signature set of imgs (PNGs, or the format given
// last).
func sigBody(app string, imgs ...any) []byte {
	type item struct {
		Format  string `json:"format"`
		Encoded string `json:"encodedSignature"`
	}
	format := "png"
	if f, ok := imgs[len(imgs)-1].(string); ok {
		format, imgs = f, imgs[:len(imgs)-1]
	}
	items := make([]item, len(imgs))
	for i, b := range imgs {
		items[i] = item{format, base64.StdEncoding.EncodeToString(b.([]byte))}
	}
	b, err := json.Marshal(map[string]any{"externalApplication": app, "signatures": items})
	benchproc.Check(err)
	return b
}

// noisePNG is a w x h PNG of random pixels, stored uncompressed: about
// 4*w*h bytes (500 x 500: just under 1 MiB).
func noisePNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	var buf bytes.Buffer
	benchproc.Check((&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, img))
	return buf.Bytes()
}

// sixteenBitZeros is a side x side RGBA PNG, 16 bits a sample, every
// pixel zero: the most decoder memory a small image buys (Go holds it as
// NRGBA64, 8 bytes a pixel).
func sixteenBitZeros(side int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+side*8)
	for range side {
		_, _ = zw.Write(row)
	}
	benchproc.Check(zw.Close())
	chunk := func(kind string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		out = append(append(out, kind...), data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(side))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(side))
	ihdr = append(ihdr, 16, 6, 0, 0, 0)
	out := append([]byte("\x89PNG\r\n\x1a\n"), chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", z.Bytes())...)
	return append(out, chunk("IEND", nil)...)
}

// proc reads the service's counters from /proc.
type proc struct{ pid int }

// hwmMiB is VmHWM, the peak resident set since start or the last reset.
func (p proc) hwmMiB() float64 { return float64(benchproc.PeakKiB(p.pid)) / 1024 }

// cpu is the user + system time the service has used (clock ticks of
// 1/100 s, as Linux reports them to processes).
func (p proc) cpu() time.Duration { return benchproc.CPU(p.pid) }
