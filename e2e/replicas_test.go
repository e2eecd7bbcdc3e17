package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"

	"userbridge/internal/rules/files"
	"userbridge/internal/rules/files/blobtest"
	"userbridge/internal/store/db/dbtest"
)

// EnvRedis names the variable holding the Redis URL for tests.
const EnvRedis = "TEST_REDIS_URL"

// replicaStorage is the bucket two processes share: a prefix of the real
// S3 bucket when TEST_S3_URL is set, else one local folder.
func replicaStorage(t *testing.T) string {
	if os.Getenv(blobtest.EnvS3) != "" {
		return blobtest.URL(t, blobtest.S3)
	}
	t.Logf("bucket: a shared local folder (set %s to share a real S3 bucket)", blobtest.EnvS3)
	return blobtest.URL(t, blobtest.File)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// TestTwoReplicas runs two service processes on one PostgreSQL schema, one
// bucket and one Redis, started at the same moment on an empty database,
// and checks that they behave as one service.
func TestTwoReplicas(t *testing.T) {
	redisURL := os.Getenv(EnvRedis)
	if redisURL == "" {
		t.Skipf("two-replica test skipped: set %s (e.g. redis://127.0.0.1:6379/0) to run it", EnvRedis)
	}
	dbURL := dbtest.URL(t, dbtest.Postgres)
	storage := replicaStorage(t)
	const quota = 5
	env := []string{
		"DATABASE_URL=" + dbURL, "STORAGE_URL=" + storage,
		"REDIS_URL=" + redisURL, "REDIS_PREFIX=e2e-" + randomHex(6) + ":",
		"USER_FILE_QUOTA=" + fmt.Sprint(quota),
		"RATE_LIMIT=1", "RATE_BURST=5", // users-v1: 5, then nothing for a minute
		"LOGIN_RATE=1",              // logins: the burst of 10, then one a minute
		"TRUSTED_PROXIES=127.0.0.1", // the login test names its own client address
	}
	// Both start together on the empty schema: one migrates, the other
	// waits for the lock, and both agree on the generated link secret.
	a, b := launch(t, env...), launch(t, env...)
	a.waitReady(t)
	b.waitReady(t)
	replicas := []*server{a, b}

	cli(t, env, "user", "create", "--email", "ada@example.com", "--password", "password123")
	ctx := context.Background()

	t.Run("a token from one replica works on the other", func(t *testing.T) {
		data, errs, err := graphql(ctx, a.URL, "", `mutation { login(email: "ada@example.com", password: "password123") { token } }`, nil)
		if err != nil || len(errs) > 0 {
			t.Fatalf("login on A: %v %v", err, errs)
		}
		token := data["login"].(map[string]any)["token"].(string)
		data, errs, err = graphql(ctx, b.URL, token, `{ viewer { email } }`, nil)
		if err != nil || len(errs) > 0 || data["viewer"].(map[string]any)["email"] != "ada@example.com" {
			t.Fatalf("viewer on B: %v %v %v", data, errs, err)
		}
	})

	token := cli(t, env, "token", "create", "--user", "ada@example.com")

	t.Run("an upload on one replica downloads from the other", func(t *testing.T) {
		body := bytes.Repeat([]byte("replica "), 4096)
		status, link, err := upload(ctx, a.URL, token, "shared.txt", body)
		if err != nil || status != 200 {
			t.Fatalf("upload on A: %d %s %v", status, link, err)
		}
		// The link names A; the same path on B must serve the same bytes.
		path := link[len(a.URL):]
		status, got, err := do(ctx, "GET", b.URL+path, "", "", nil)
		if err != nil || status != 200 || !bytes.Equal(got, body) {
			t.Fatalf("download on B: %d, %d bytes, %v", status, len(got), err)
		}
	})

	t.Run("the users-v1 limit is exact across both", func(t *testing.T) {
		limited := 0
		for i := range 12 {
			status, _, err := do(ctx, "GET", replicas[i%2].URL+"/v1/users/0", token, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if status == http.StatusTooManyRequests {
				limited++
			}
		}
		if limited != 12-5 {
			t.Fatalf("%d of 12 requests limited, want 7 (burst 5 shared by both replicas)", limited)
		}
	})

	t.Run("the login limit is exact across both", func(t *testing.T) {
		cli(t, env, "user", "create", "--email", "grace@example.com", "--password", "password123")
		limited := 0
		for i := range 16 {
			_, errs, err := graphql(ctx, replicas[i%2].URL, "", `mutation { login(email: "grace@example.com", password: "wrong-password") { token } }`, nil,
				"X-Forwarded-For", "192.0.2.17") // an address no other request used

			if err != nil || len(errs) == 0 {
				t.Fatalf("login %d: %v %v", i, errs, err)
			}
			if code, _ := errs[0]["extensions"].(map[string]any)["code"].(string); code == "RATE_LIMITED" {
				limited++
			}
		}
		if limited != 16-10 {
			t.Fatalf("%d of 16 attempts limited, want 6 (a burst of 10 shared by both replicas)", limited)
		}
	})

	t.Run("50 concurrent uploads split across both leave exactly the quota", func(t *testing.T) {
		cli(t, env, "user", "create", "--email", "quota@example.com", "--password", "password123")
		qtoken := cli(t, env, "token", "create", "--user", "quota@example.com")
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				status, msg, err := upload(ctx, replicas[i%2].URL, qtoken, fmt.Sprintf("f%d.bin", i), bytes.Repeat([]byte{byte(i)}, 8192))
				if err == nil && status != 200 {
					err = fmt.Errorf("upload %d: %d %s", i, status, msg)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var listed [][]int
		for _, r := range replicas {
			status, body, err := do(ctx, "GET", r.URL+"/api/v1/users/user_files", qtoken, "", nil)
			if err != nil || status != 200 {
				t.Fatalf("listing on %s: %d %s %v", r.URL, status, body, err)
			}
			var res struct {
				UserFiles []struct {
					ID int `json:"id"`
				} `json:"user_files"`
			}
			if err := json.Unmarshal(body, &res); err != nil {
				t.Fatal(err)
			}
			var ids []int
			for _, f := range res.UserFiles {
				ids = append(ids, f.ID)
			}
			listed = append(listed, ids)
		}
		if !slices.Equal(listed[0], listed[1]) || len(listed[0]) != quota {
			t.Fatalf("listings %v and %v: want the same %d files on both", listed[0], listed[1], quota)
		}
		// Every evicted blob is gone from the bucket: the ones left are the
		// quota's, and the one file of the upload test above.
		if got := countBlobs(t, storage); got != quota+1 {
			t.Fatalf("%d blobs in the bucket, want %d", got, quota+1)
		}
	})
}

// countBlobs lists the bucket at storageURL.
func countBlobs(t *testing.T, storageURL string) int {
	t.Helper()
	ctx := context.Background()
	bkt, err := files.OpenBucket(ctx, storageURL)
	if err != nil {
		t.Fatal(err)
	}
	defer bkt.Close()
	n := 0
	it := bkt.List(nil)
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		if !obj.IsDir {
			n++
		}
	}
}
