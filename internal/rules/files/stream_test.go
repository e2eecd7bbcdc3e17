package files_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
)

// heapGrowth samples the heap in use (peakHeap) until the returned stop is
// called, and gives the largest growth over the heap at the start. The
// collector runs often meanwhile, so that the figure is what is held, not
// garbage waiting for a collection.
func heapGrowth() (stop func() uint64) {
	gc := debug.SetGCPercent(10)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	done := make(chan struct{})
	peak := peakHeap(done)
	return func() uint64 {
		close(done)
		debug.SetGCPercent(gc)
		return max(<-peak, base) - base
	}
}

// TestLargeUploadStreams uploads a file far larger than any buffer of the
// service and downloads it back, whole and by range, on a local folder and
// on real S3 (multipart upload, ranged reads): the bytes survive and the
// heap never grows by anything near the file's size.
func TestLargeUploadStreams(t *testing.T) {
	// On S3 the SDK's upload holds a set of part buffers and more, a growth
	// that does not depend on the file's size but varies from run to run
	// (more under -race). So the bound is relative: a file eight times
	// larger than a first one may grow the heap by at most half the
	// difference of their sizes more. Holding the file would add all of it.
	const size, small = 128 << 20, 16 << 20
	const heapBound = (size - small) / 2
	each(t, func(t *testing.T, st stores) {
		env := apptest.New(t, st.db, func(cfg *app.Config) {
			cfg.StorageURL, cfg.SweepEvery, cfg.MaxUploadBytes = st.storage, -1, size
		})
		u := env.User(t, "big@example.com")
		v := &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
		ctx := context.Background()

		stop := heapGrowth()
		_, err := env.Files.UploadUserFile(ctx, v, u.ID, files.Upload{Name: "small.bin", Body: newPattern(small)}, files.UserFileInput{})
		base := stop()
		if err != nil {
			t.Fatalf("upload of the smaller file: %v", err)
		}
		stop = heapGrowth()
		f, err := env.Files.UploadUserFile(ctx, v, u.ID, files.Upload{Name: "big.bin", Body: newPattern(size)}, files.UserFileInput{})
		grew := stop()
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
		h := sha256.New()
		_, _ = io.Copy(h, newPattern(size))
		if f.Size != size || f.Sha256 != fmt.Sprintf("%x", h.Sum(nil)) {
			t.Fatalf("stored %d bytes, sha256 %s", f.Size, f.Sha256)
		}
		t.Logf("upload of %d MiB: heap grew by at most %.1f MiB (%.1f MiB for %d MiB)",
			size>>20, float64(grew)/(1<<20), float64(base)/(1<<20), small>>20)
		if grew > base+heapBound {
			t.Fatalf("the upload grew the heap by %d bytes: something holds the file", grew)
		}

		hs := httptest.NewServer(env.Handler)
		t.Cleanup(hs.Close)
		srv := hs.URL
		path := strings.TrimPrefix(env.Files.URL(f), apptest.PublicURL)
		t.Run("whole download streams", func(t *testing.T) {
			stop := heapGrowth()
			res, err := http.Get(srv + path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			h := sha256.New()
			n, err := io.Copy(h, res.Body)
			grew := stop()
			if err != nil || res.StatusCode != 200 || n != size || fmt.Sprintf("%x", h.Sum(nil)) != f.Sha256 {
				t.Fatalf("status %d, %d bytes, %v", res.StatusCode, n, err)
			}
			if grew > base+heapBound {
				t.Fatalf("the download grew the heap by %d bytes", grew)
			}
		})
		t.Run("a range near the end", func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv+path, nil)
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", size-100, size-1))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			got, _ := io.ReadAll(res.Body)
			want := make([]byte, 100)
			p := newPattern(size)
			_, _ = io.CopyN(io.Discard, p, size-100)
			_, _ = io.ReadFull(p, want)
			if res.StatusCode != 206 || string(got) != string(want) {
				t.Fatalf("status %d, %d bytes", res.StatusCode, len(got))
			}
		})
	})
}
