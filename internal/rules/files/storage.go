package files

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // s3:// URLs
	"gocloud.dev/gcerrors"
)

// OpenBucket opens the blob store named by rawURL: "file://DIR" (DIR may be
// relative, e.g. file://./data/files, and is created) or any URL gocloud.dev
// knows, such as "s3://bucket?region=...&endpoint=...".
//
// Local buckets keep no metadata sidecar files (the database holds the
// content type) and write through temporary files next to the final ones, so
// the rename that publishes a blob never crosses file systems; a temporary
// file stranded by a crash is a blob with no row, which the sweeper removes.
func OpenBucket(ctx context.Context, rawURL string) (*blob.Bucket, error) {
	b, _, err := openBucket(ctx, rawURL)
	return b, err
}

// openBucket is OpenBucket, and the absolute folder of a local bucket
// ("" for any other), which the sweeper and readiness read themselves
// (listing.go).
func openBucket(ctx context.Context, rawURL string) (*blob.Bucket, string, error) {
	if rawURL == "" {
		rawURL = "file://./data/files"
	}
	if dir, ok := strings.CutPrefix(rawURL, "file://"); ok {
		dir, _, _ = strings.Cut(dir, "?")
		if dir == "" {
			return nil, "", fmt.Errorf("storage URL %q: empty directory", rawURL)
		}
		abs, err := filepath.Abs(filepath.FromSlash(dir))
		if err != nil {
			return nil, "", fmt.Errorf("storage: %w", err)
		}
		if err := os.MkdirAll(abs, 0o750); err != nil {
			return nil, "", fmt.Errorf("storage: creating %s: %w", abs, err)
		}
		b, err := fileblob.OpenBucket(abs, &fileblob.Options{
			NoTempDir: true,
			Metadata:  fileblob.MetadataDontWrite,
		})
		return b, abs, err
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("storage: opening bucket: %w", err)
	}
	return b, "", nil
}

// newKey returns a fresh random storage key. Keys never derive from user
// input, so no name can reach outside the bucket or collide on purpose.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func isNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }
