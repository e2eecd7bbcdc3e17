// Package files holds the rules for stored files: streaming uploads into a
// blob store, the per-user quota with eviction, temporary files and avatars,
// signed download links, and the sweeper that removes what nothing names.
// GraphQL resolvers and the REST dialects call these functions; they check
// policy, write in one transaction, and return apperr kinds.
//
// Writes follow one order so that nothing is lost: the blob is written
// first, then the row is inserted in a transaction; if the transaction
// fails the blob is removed; blobs of rows deleted or evicted are removed
// after the commit. Whatever a crash leaves behind (a blob with no row) is
// removed by the sweeper after a grace period.
package files

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gocloud.dev/blob"

	"userbridge/ent"
)

// Defaults of the Config.
const (
	DefaultQuota     = 5
	DefaultMaxUpload = 50 << 20
	DefaultLinkTTL   = time.Hour
	DefaultTempTTL   = time.Hour
	DefaultGrace     = time.Hour
	// DefaultTempFiles and DefaultTempBytes bound the temporary files one
	// user may have pending (unexpired, not adopted): without a bound one
	// token could fill the disk with uploads kept an hour each.
	DefaultTempFiles = 10
	DefaultTempBytes = 20 << 20
)

// Config is what a Service needs. Zero values take the defaults.
type Config struct {
	Client     *ent.Client
	Dialect    string // "sqlite3" or "postgres": how to serialize per user
	StorageURL string // file://DIR (relative paths allowed) or s3://BUCKET
	PublicURL  string // absolute base of download links
	Secret     string // signs links; empty: generated once, kept in the database
	Quota      int    // user files kept per user and nature
	MaxUpload  int64  // largest accepted upload, bytes
	LinkTTL    time.Duration
	TempTTL    time.Duration // lifetime of an unadopted temporary file
	TempFiles  int           // pending temporary files per user
	TempBytes  int64         // bytes of pending temporary files per user
	Grace      time.Duration // age before the sweeper removes a blob with no row
	Now        func() time.Time
	Logger     *slog.Logger
	// ObserveStorage, when set, is told how long each blob operation took
	// (op: open, write, delete) and whether it failed (metrics).
	ObserveStorage func(op string, d time.Duration, err error)
}

// Service is the file rule set over one store and one bucket.
type Service struct {
	cfg    Config
	client *ent.Client
	bucket *blob.Bucket
	dir    string // the folder of a local bucket, "" for any other
	secret []byte
}

// New opens the bucket and loads (or creates) the link secret.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Quota <= 0 {
		cfg.Quota = DefaultQuota
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = DefaultLinkTTL
	}
	if cfg.TempTTL <= 0 {
		cfg.TempTTL = DefaultTempTTL
	}
	if cfg.TempFiles <= 0 {
		cfg.TempFiles = DefaultTempFiles
	}
	if cfg.TempBytes <= 0 {
		cfg.TempBytes = DefaultTempBytes
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ObserveStorage == nil {
		cfg.ObserveStorage = func(string, time.Duration, error) {}
	}
	b, dir, err := openBucket(ctx, cfg.StorageURL)
	if err != nil {
		return nil, err
	}
	secret, err := loadSecret(ctx, cfg.Client, cfg.Secret)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("link secret: %w", err)
	}
	return &Service{cfg: cfg, client: cfg.Client, bucket: b, dir: dir, secret: secret}, nil
}

// MaxUpload is the largest accepted upload in bytes.
func (s *Service) MaxUpload() int64 { return s.cfg.MaxUpload }

// Bucket is the blob store (tests look inside it).
func (s *Service) Bucket() *blob.Bucket { return s.bucket }

// Close releases the bucket.
func (s *Service) Close() error { return s.bucket.Close() }

// Ping checks that the storage answers (readiness).
func (s *Service) Ping(ctx context.Context) error {
	if s.dir != "" {
		return pingDir(s.dir)
	}
	ok, err := s.bucket.IsAccessible(ctx)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if !ok {
		return fmt.Errorf("storage: bucket not accessible")
	}
	return nil
}

func (s *Service) now() time.Time {
	return s.cfg.Now().UTC().Truncate(time.Microsecond)
}

// RemoveBlobs deletes stored bytes whose rows are gone; a failure is logged
// and left to the sweeper. It implements accounts.BlobRemover.
func (s *Service) RemoveBlobs(ctx context.Context, keys []string) {
	for _, k := range keys {
		_, _ = s.removeBlob(ctx, k)
	}
}

// removeBlob deletes one blob and reports whether this call removed it: a
// blob already gone (another replica's sweeper, a concurrent removal) was
// not. A failure is logged and returned.
func (s *Service) removeBlob(ctx context.Context, key string) (bool, error) {
	start := time.Now()
	err := s.bucket.Delete(ctx, key)
	gone := isNotFound(err)
	if gone {
		err = nil
	}
	s.cfg.ObserveStorage("delete", time.Since(start), err)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "removing blob", "key", key, "err", err)
		return false, err
	}
	return !gone, nil
}
