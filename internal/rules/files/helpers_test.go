package files_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"sync"
	"testing"
	"time"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/files/blobtest"
	"userbridge/internal/store/db/dbtest"
)

// clock is a settable time source for expiry tests (no sleeping).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC()} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a files.Service on a real database with a local bucket.
type env struct {
	svc    *files.Service
	client *ent.Client
	clock  *clock
	acc    *accounts.Service
}

// stores are the database and the bucket of one run.
type stores struct{ db, storage string }

// each runs fn on every database (dbtest.Each) with every kind of bucket
// (blobtest.Each): local folder, and real S3 when TEST_S3_URL is set.
// Each run has a fresh database and a fresh bucket.
func each(t *testing.T, fn func(t *testing.T, st stores)) {
	for _, db := range []dbtest.Backend{dbtest.SQLite, dbtest.Postgres} {
		t.Run(string(db), func(t *testing.T) {
			blobtest.Each(t, func(t *testing.T, storage string) {
				fn(t, stores{dbtest.URL(t, db), storage})
			})
		})
	}
}

func newEnv(t *testing.T, st stores, opts ...func(*files.Config)) *env {
	t.Helper()
	store := dbtest.Open(t, st.db)
	c := newClock()
	cfg := files.Config{
		Client:     store.Client,
		Dialect:    store.Dialect,
		StorageURL: st.storage,
		PublicURL:  "http://files.test",
		Quota:      3,
		Now:        c.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := files.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("files.New: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	return &env{svc: svc, client: store.Client, clock: c, acc: &accounts.Service{Client: store.Client}}
}

// user creates a user and returns a first-party viewer for it.
func (e *env) user(t *testing.T, email string, admin bool) *auth.Viewer {
	t.Helper()
	in := accounts.CreateInput{Email: email}
	if admin {
		in.Role = new(user.RoleAdmin)
	}
	u, err := e.acc.Bootstrap(context.Background(), in)
	if err != nil {
		t.Fatalf("creating %s: %v", email, err)
	}
	return &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
}

// blobs lists every key in the bucket, temporary files included.
func (e *env) blobs(t *testing.T) []string {
	t.Helper()
	var keys []string
	it := e.svc.Bucket().List(nil)
	for {
		obj, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return keys
		}
		if err != nil {
			t.Fatalf("listing bucket: %v", err)
		}
		keys = append(keys, obj.Key)
	}
}

func (e *env) hasBlob(t *testing.T, key string) bool {
	t.Helper()
	ok, err := e.svc.Bucket().Exists(context.Background(), key)
	if err != nil {
		t.Fatalf("exists %s: %v", key, err)
	}
	return ok
}

func up(name string, data []byte) files.Upload {
	return files.Upload{Name: name, Body: bytes.NewReader(data)}
}

// pngBytes is a small valid PNG.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// wantReason fails t unless err is an apperr of kind with reason.
func wantReason(t *testing.T, err error, kind apperr.Kind, reason string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Kind != kind || e.Reason != reason {
		t.Fatalf("got %#v, want %v/%s", e, kind, reason)
	}
}
