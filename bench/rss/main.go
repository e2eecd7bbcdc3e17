// Command rss measures the peak resident memory of the service while it
// takes concurrent maximal Maarch PUT /rest/users/{id}/externalSignatures
// bodies: each as large as MAX_IMAGE_BODY_BYTES allows, filled with
// signatures of (almost) imagedata.MaxBytes each, valid images that the
// service decodes and stores. It builds the service, creates a user and a
// token with its own CLI on a fresh SQLite database in a temporary folder,
// serves on a free loopback port, sends -n bodies at once (-rounds times),
// and reads VmHWM (peak RSS) from /proc. Linux only.
//
//	go run ./bench/rss                # 8 concurrent bodies, 3 rounds
//	go run ./bench/rss -n 8 -body-mib 8    # with MAX_IMAGE_BODY_BYTES=8 MiB
//
// Figures go in bench/README.md ("Memory of image bodies").
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"userbridge/bench/benchproc"
)

func main() {
	n := flag.Int("n", 8, "concurrent bodies")
	rounds := flag.Int("rounds", 3, "rounds of n bodies")
	bodyMiB := flag.Int("body-mib", 0, "MAX_IMAGE_BODY_BYTES given to the service, MiB (0: the service's default)")
	flag.Parse()
	log.SetFlags(0)

	dir, err := os.MkdirTemp("", "userbridge-rss-")
	benchproc.Check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "userbridge")
	benchproc.Run("go", "build", "-o", bin, ".")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	benchproc.Check(err)
	addr := ln.Addr().String()
	ln.Close()
	maxBody := int64(*bodyMiB) << 20
	env := append(os.Environ(),
		"DATABASE_URL=sqlite://"+filepath.Join(dir, "app.db"),
		"STORAGE_URL=file://"+filepath.Join(dir, "files"),
		"ADDR="+addr, "SECRET_KEY=rss-bench-secret-0123456789abcdef", "LOG_FORMAT=json")
	if maxBody > 0 {
		env = append(env, fmt.Sprintf("MAX_IMAGE_BODY_BYTES=%d", maxBody))
	} else {
		maxBody = 3 << 20
	}
	cli := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			log.Fatalf("%v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	id := strings.Fields(cli("user", "create", "--email", "signer@example.com", "--password", "password-123"))[0]
	tok := cli("token", "create", "--user", "signer@example.com")

	srv := exec.Command(bin)
	srv.Env = env
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	benchproc.Check(err)
	srv.Stdout, srv.Stderr = logf, logf
	benchproc.Check(srv.Start())
	defer func() { _ = srv.Process.Kill() }()
	benchproc.WaitReady("http://" + addr + "/readyz")
	base := benchproc.PeakKiB(srv.Process.Pid)

	body := maximalBody(maxBody)
	url := "http://" + addr + "/rest/users/" + id + "/externalSignatures"
	codes := map[int]int{}
	var mu sync.Mutex
	for range *rounds {
		var wg sync.WaitGroup
		for range *n {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				benchproc.Check(err)
				res.Body.Close()
				mu.Lock()
				codes[res.StatusCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	peak := benchproc.PeakKiB(srv.Process.Pid)
	fmt.Printf("body %d bytes (cap %d), %d concurrent x %d rounds, answers %v\n", len(body), maxBody, *n, *rounds, codes)
	fmt.Printf("peak RSS (VmHWM): %.1f MiB after start-up, %.1f MiB after the bodies\n", float64(base)/1024, float64(peak)/1024)
}

// maximalBody is a signature set as large as fits under limit: signatures of
// noisy PNGs just under 1 MiB decoded (they compress badly).
func maximalBody(limit int64) []byte {
	sig := pngBase64(570, 570)
	type item struct {
		Format  string `json:"format"`
		Encoded string `json:"encodedSignature"`
	}
	var items []item
	for {
		next := append(items, item{"png", sig})
		b, _ := json.Marshal(map[string]any{"externalApplication": "bench", "signatures": next})
		if int64(len(b)) > limit {
			break
		}
		items = next
	}
	b, _ := json.Marshal(map[string]any{"externalApplication": "bench", "signatures": items})
	return b
}

func pngBase64(w, h int) string {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255})
		}
	}
	var buf bytes.Buffer
	benchproc.Check(png.Encode(&buf, img))
	if buf.Len() > 1<<20 {
		log.Fatalf("signature of %d bytes is over 1 MiB", buf.Len())
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}
