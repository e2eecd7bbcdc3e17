package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userbridge/ent/file"
	"userbridge/ent/user"
	"userbridge/internal/rules/files"
	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// crashRounds is how many times each backend's server is killed mid-burst.
const crashRounds = 3

// TestCrashLosesNothing kills the real server with SIGKILL while uploads
// and Maarch account creations (with a picture) are in flight, several
// times, then restarts it with a short sweeper grace, and checks the three
// promises of the write order (internal/rules/files/service.go): no row without its blob
// at any time, no blob without its row once the sweeper ran, and no user
// half-created (a Maarch user sent with a picture exists only with its
// avatar).
func TestCrashLosesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		storage := replicaStorage(t)
		env := []string{"DATABASE_URL=" + dbURL, "STORAGE_URL=" + storage, "REDIS_URL=",
			"RATE_LIMIT=0", "LOGIN_RATE=100000", "MAX_UPLOAD_BYTES=" + fmt.Sprint(4<<20)}
		cli(t, env, "user", "create", "--admin", "--email", "root@example.com", "--password", "password123")
		admin := cli(t, env, "token", "create", "--user", "root@example.com")
		cli(t, env, "user", "create", "--email", "up@example.com", "--password", "password123")
		uploader := cli(t, env, "token", "create", "--user", "up@example.com")
		picture := base64.StdEncoding.EncodeToString(noisePNG(t, 160))

		var created, uploaded, failed atomic.Int64
		var seq atomic.Int64
		for round := range crashRounds {
			// No sweeper while crashing: what the kills leave is counted
			// before anything cleans it.
			srv := start(t, append(env, "SWEEP_INTERVAL=0")...)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for w := range 12 {
				wg.Go(func() {
					for ctx.Err() == nil {
						var status int
						var err error
						if w%2 == 0 {
							n := seq.Add(1)
							body := fmt.Sprintf(`{"login":"crash%d","firstname":"C","lastname":"R","email":"crash%d@example.com","picture":%q}`, n, n, picture)
							status, _, err = do(ctx, "POST", srv.URL+"/rest/users", admin, "application/json", strings.NewReader(body))
							if err == nil && status == 200 {
								created.Add(1)
							}
						} else {
							status, _, err = upload(ctx, srv.URL, uploader, "crash.bin", bytes.Repeat([]byte{byte(w)}, 256<<10))
							if err == nil && status == 200 {
								uploaded.Add(1)
							}
						}
						if err != nil || status != 200 {
							failed.Add(1)
						}
					}
				})
			}
			time.Sleep(time.Duration(400+rand.IntN(600)) * time.Millisecond)
			srv.kill()
			cancel()
			wg.Wait()
			t.Logf("round %d: killed after %d creations and %d uploads acknowledged in all", round+1, created.Load(), uploaded.Load())
		}

		before := inspect(t, dbURL, storage)
		t.Logf("after %d kills: %d files, %d rows without blob, %d blobs without row (%d leftover files on disk), %d half-created users of %d created",
			crashRounds, before.rows, before.rowsWithoutBlob, before.orphans, before.diskLeftovers, before.halfUsers, before.users)
		if before.rowsWithoutBlob != 0 {
			t.Errorf("%d file rows have no blob", before.rowsWithoutBlob)
		}
		if created.Load() == 0 || uploaded.Load() == 0 {
			t.Fatalf("the bursts acknowledged %d creations and %d uploads: the kills tested nothing", created.Load(), uploaded.Load())
		}

		// Restart with a sweeper that runs every second and considers a
		// blob abandoned after a second.
		srv := start(t, append(env, "SWEEP_INTERVAL=1s", "SWEEP_GRACE=1s")...)
		var after state
		deadline := time.Now().Add(20 * time.Second)
		for {
			time.Sleep(1500 * time.Millisecond)
			after = inspect(t, dbURL, storage)
			if after.orphans+after.diskLeftovers == 0 || time.Now().After(deadline) {
				break
			}
		}
		srv.stop()
		t.Logf("after the sweep: %d files, %d rows without blob, %d blobs without row (%d leftover files on disk)",
			after.rows, after.rowsWithoutBlob, after.orphans, after.diskLeftovers)
		if after.rowsWithoutBlob != 0 || after.orphans != 0 || after.diskLeftovers != 0 {
			t.Errorf("after the sweep: %d rows without blob, %d blobs without row, %d leftover files",
				after.rowsWithoutBlob, after.orphans, after.diskLeftovers)
		}
		if before.halfUsers != 0 {
			t.Errorf("%d of %d Maarch users sent with a picture exist without an avatar", before.halfUsers, before.users)
		}
	})
}

// state is what a crash left: counted straight from the database and the
// bucket, with the server stopped or running.
type state struct {
	rows, rowsWithoutBlob, orphans, diskLeftovers int
	users, halfUsers                              int
}

func inspect(t *testing.T, dbURL, storageURL string) state {
	t.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bkt, err := files.OpenBucket(ctx, storageURL)
	if err != nil {
		t.Fatal(err)
	}
	defer bkt.Close()

	var st state
	rows, err := store.Client.File.Query().Select(file.FieldStorageKey).Strings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.rows = len(rows)
	named := make(map[string]bool, len(rows))
	for _, k := range rows {
		named[k] = true
		ok, err := bkt.Exists(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			st.rowsWithoutBlob++
		}
	}
	it := bkt.List(nil)
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !obj.IsDir && !named[obj.Key] {
			st.orphans++
		}
	}
	// A local bucket may hold files its listing does not show (temporary
	// files of writes cut short): count them from the disk.
	if dir, ok := strings.CutPrefix(storageURL, "file://"); ok {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !named[filepath.ToSlash(strings.TrimPrefix(p, dir+string(os.PathSeparator)))] {
				st.diskLeftovers++
			}
			return nil
		})
		st.diskLeftovers -= st.orphans
	}
	crash := store.Client.User.Query().Where(user.LoginHasPrefix("crash"))
	if st.users, err = crash.Clone().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if st.halfUsers, err = crash.Where(user.AvatarIDIsNil()).Count(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// noisePNG is a size×size PNG of random pixels: it does not compress, so
// the picture takes its time to decode and store.
func noisePNG(t *testing.T, size int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = byte(rand.IntN(256))
	}
	img.Set(0, 0, color.NRGBA{A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
