// Package blobtest gives tests real buckets: a fresh local folder, and a
// fresh prefix of a real S3-compatible bucket when TEST_S3_URL is set.
package blobtest

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// EnvS3 names the variable holding the S3 bucket URL for tests, a gocloud
// s3blob URL such as
// s3://bucket?endpoint=http://127.0.0.1:8333&region=us-east-1&use_path_style=true&disable_https=true
// (.ci/run starts SeaweedFS and sets it).
const EnvS3 = "TEST_S3_URL"

// Kind is one blob store the tests run on.
type Kind string

// The kinds.
const (
	File Kind = "file"
	S3   Kind = "s3"
)

// Each runs fn once per kind as subtests named "file" and "s3"; the S3 run
// is skipped, with a message saying how to enable it, when TEST_S3_URL is
// unset.
func Each(t *testing.T, fn func(t *testing.T, storageURL string)) {
	t.Helper()
	for _, k := range []Kind{File, S3} {
		t.Run(string(k), func(t *testing.T) {
			fn(t, URL(t, k))
		})
	}
}

// URL returns the URL of a fresh, empty bucket of kind k: a temporary
// folder, or a random prefix of the TEST_S3_URL bucket (left behind: the
// bucket is the test server's).
func URL(t testing.TB, k Kind) string {
	t.Helper()
	if k == File {
		return "file://" + filepath.Join(t.TempDir(), "files")
	}
	base := os.Getenv(EnvS3)
	if base == "" {
		t.Skipf("S3 run skipped: set %s (e.g. s3://bucket?endpoint=http://127.0.0.1:8333&region=us-east-1&use_path_style=true&disable_https=true; .ci/run starts SeaweedFS) to run it", EnvS3)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvS3, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	q := u.Query()
	q.Set("prefix", q.Get("prefix")+"t-"+hex.EncodeToString(b)+"/")
	u.RawQuery = q.Encode()
	return u.String()
}
