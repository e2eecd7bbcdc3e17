package files_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userbridge/internal/rules/files"
	"userbridge/internal/store/db/dbtest"
)

// eachLocal runs fn on every database with a fresh local folder as the
// bucket, and returns the folder: these faults are the local folder's.
func eachLocal(t *testing.T, fn func(t *testing.T, st stores, dir string)) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		dir := t.TempDir()
		fn(t, stores{dbURL, "file://" + dir}, dir)
	})
}

// writeOld writes a blob no row names, older than the sweeper's grace.
func writeOld(t *testing.T, dir, key string) {
	t.Helper()
	path := filepath.Join(dir, key)
	if err := os.WriteFile(path, []byte("orphan"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * files.DefaultGrace)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// renameLikeUploads publishes blobs into dir as uploads do (a temporary
// file written, then renamed into place) until stop is closed, from
// several goroutines, and returns how many it published. Each writer
// cycles through a few keys, replacing its own blobs: the folder keeps its
// size, so a pass takes as long as the last one whatever the machine's
// speed (with ever new keys the folder grew with every pass, each pass
// took longer than the one before, and a slow machine never finished).
// uploadKeys is how many keys each renaming writer cycles through.
const uploadKeys = 50

func renameLikeUploads(t *testing.T, dir string, stop <-chan struct{}) func() int64 {
	t.Helper()
	var n atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("%02d%030x", w, i%uploadKeys)
				tmp := filepath.Join(dir, fmt.Sprintf("%s.%x.tmp", key, time.Now().UnixNano()))
				if err := os.WriteFile(tmp, []byte("fresh"), 0o600); err != nil {
					t.Error(err)
					return
				}
				if err := os.Rename(tmp, filepath.Join(dir, key)); err != nil {
					t.Error(err)
					return
				}
				n.Add(1)
			}
		})
	}
	return func() int64 { wg.Wait(); return n.Load() }
}

// TestSweepSurvivesUploadsRenamingTheirTemporaryFiles runs sweeper passes
// and readiness checks while uploads rename their temporary files in the
// same folder. An entry that vanishes between reading the folder and
// looking at it (fileblob's "lstat ....tmp: no such file or directory")
// must be skipped: every pass completes and removes the old orphans, and
// the bucket stays accessible.
func TestSweepSurvivesUploadsRenamingTheirTemporaryFiles(t *testing.T) {
	eachLocal(t, func(t *testing.T, st stores, dir string) {
		e := newEnv(t, st)
		for i := range 3 {
			writeOld(t, dir, fmt.Sprintf("orphan%d", i))
		}
		for i := range 300 { // a folder of some size: the walk takes a while
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("fresh%04d", i)), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		stop := make(chan struct{})
		published := renameLikeUploads(t, dir, stop)
		var failed []string
		var total files.SweepResult
		for range 30 {
			res, err := e.svc.Sweep(context.Background())
			if err != nil {
				failed = append(failed, "sweep: "+err.Error())
			}
			total.Orphans += res.Orphans
			if err := e.svc.Ping(context.Background()); err != nil {
				failed = append(failed, "ping: "+err.Error())
			}
		}
		close(stop)
		if n := published(); n == 0 {
			t.Fatal("no upload was published during the passes")
		}
		if len(failed) > 0 {
			t.Fatalf("%d of 60 sweeps and pings failed, first: %s", len(failed), failed[0])
		}
		if total.Orphans != 3 {
			t.Fatalf("orphans removed: %d, want 3", total.Orphans)
		}
	})
}

// TestSweepCountsOnlyRemovalsThatHappened makes one orphan impossible to
// remove (an immutable file) and expects the pass to count it as failed,
// not swept, to keep it for the next pass, and the sweeper's log to say
// that a removal failed instead of "swept files".
func TestSweepCountsOnlyRemovalsThatHappened(t *testing.T) {
	eachLocal(t, func(t *testing.T, st stores, dir string) {
		var logs bytes.Buffer
		e := newEnv(t, st, func(c *files.Config) {
			c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		})
		writeOld(t, dir, "stuck")
		writeOld(t, dir, "loose")
		stuck := filepath.Join(dir, "stuck")
		if out, err := exec.Command("chattr", "+i", stuck).CombinedOutput(); err != nil {
			t.Skipf("cannot make a file immutable here (chattr +i: %v %s)", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", stuck).Run() })

		files.SweepAndLog(e.svc, context.Background()) // the first pass, as Run makes it
		log := logs.String()
		if !strings.Contains(log, `"msg":"swept files, some removals failed"`) || !strings.Contains(log, `"orphans":1,"failed":1`) {
			t.Fatalf("log of the first pass: %s", log)
		}
		res, err := e.svc.Sweep(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Orphans != 0 || res.Failed != 1 {
			t.Fatalf("second pass: %+v, want the stuck orphan failed again and nothing swept", res)
		}
		if _, err := os.Stat(stuck); err != nil {
			t.Fatalf("the stuck orphan: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "loose")); !os.IsNotExist(err) {
			t.Fatalf("the removable orphan is still there: %v", err)
		}
	})
}
