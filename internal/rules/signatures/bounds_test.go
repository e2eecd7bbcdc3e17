package signatures_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"

	"userbridge/ent/signature"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/imagedata/imagetest"
	"userbridge/internal/rules/signatures"
	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// boundsEnv is a store with one ordinary user and its signature rules.
type boundsEnv struct {
	store *db.Store
	s     *signatures.Service
	v     *auth.Viewer
}

func newBoundsEnv(t *testing.T, url string, sets int, bytes int64) boundsEnv {
	t.Helper()
	store := dbtest.Open(t, url)
	acc := &accounts.Service{Client: store.Client}
	n, _ := store.Client.User.Query().Count(context.Background())
	u, err := acc.Bootstrap(context.Background(), accounts.CreateInput{Email: fmt.Sprintf("sig%d@example.com", n)})
	if err != nil {
		t.Fatal(err)
	}
	return boundsEnv{store: store,
		s: &signatures.Service{Client: store.Client, Dialect: store.Dialect, MaxSets: sets, MaxUserBytes: bytes},
		v: &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}}
}

// put replaces the set of app with imgs, each base64 (b64).
func (e boundsEnv) put(app string, imgs ...string) error {
	in := make([]signatures.Input, len(imgs))
	for i, b := range imgs {
		in[i] = signatures.Input{Format: "png", Encoded: b}
	}
	_, err := e.s.ReplaceExternal(context.Background(), e.v, e.v.User.ID, app, in)
	return err
}

func (e boundsEnv) stored(t *testing.T) (sets, bytes int) {
	t.Helper()
	ctx := context.Background()
	sigs := e.store.Client.Signature.Query().Where(signature.OwnerID(e.v.User.ID)).AllX(ctx)
	apps := map[string]bool{}
	for _, s := range sigs {
		apps[*s.ExternalApplication] = true
		bytes += len(s.Data)
	}
	return len(apps), bytes
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if e := apperr.As(err); e == nil || e.Kind != apperr.Invalid || e.Reason != reason {
		t.Fatalf("got %v, want invalid with reason %s", err, reason)
	}
}

// The attack: 100 externalApplication sets of two 1 MiB blobs, each
// a valid 1x1 PNG header followed by random bytes. None is an image, and
// nothing is stored.
func TestHundredSetsOfFakePNGsAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newBoundsEnv(t, url, 0, 0)
		blob := b64(imagetest.HeaderThenRandom(1<<20-64, 1))
		for i := range 100 {
			err := e.put(fmt.Sprintf("app-%d", i), blob, blob)
			wantReason(t, err, signatures.ReasonNotImage)
		}
		if sets, bytes := e.stored(t); sets != 0 || bytes != 0 {
			t.Fatalf("stored %d sets, %d bytes", sets, bytes)
		}
	})
}

// The same attack with real images of about 1 MB: past the default
// SIGNATURE_BYTES_PER_USER (10 MiB) the next set is refused, and what is
// stored stays within it.
func TestHundredSetsOfOneMiBImagesStopAtTheByteBound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newBoundsEnv(t, url, 0, 0)
		raw := imagetest.NoisePNG(500, 500, 2)
		if len(raw) > signatures.MaxBytes {
			t.Fatalf("test image of %d bytes", len(raw))
		}
		img := b64(raw)
		accepted := 0
		for i := range 100 {
			err := e.put(fmt.Sprintf("app-%d", i), img, img)
			if err != nil {
				wantReason(t, err, signatures.ReasonBytesLimit)
				continue
			}
			accepted++
		}
		sets, bytes := e.stored(t)
		if want := signatures.DefaultMaxUserBytes / (2 * len(raw)); accepted != want || sets != want {
			t.Fatalf("accepted %d sets, stored %d, want %d", accepted, sets, want)
		}
		if bytes > signatures.DefaultMaxUserBytes {
			t.Fatalf("stored %d bytes", bytes)
		}
		// Replacing a set by a smaller one, and removing one, still work.
		if err := e.put("app-0", b64(imagetest.PNG(1, 1))); err != nil {
			t.Fatal(err)
		}
		if err := e.put("app-1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSignatureSetsPastTheBoundAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newBoundsEnv(t, url, 0, 0)
		img := b64(imagetest.PNG(2, 2))
		for i := range signatures.DefaultMaxSets {
			if err := e.put(fmt.Sprintf("app-%d", i), img); err != nil {
				t.Fatal(err)
			}
		}
		wantReason(t, e.put("one-more", img), signatures.ReasonSetsLimit)
		if err := e.put("app-3", img, img); err != nil {
			t.Fatalf("replacing a kept set: %v", err)
		}
		if sets, _ := e.stored(t); sets != signatures.DefaultMaxSets {
			t.Fatalf("%d sets", sets)
		}
	})
}

// Concurrent replacements of different sets cannot pass the bounds
// together: each counts what the others committed, the user held.
func TestConcurrentSignaturePutsStayWithinBounds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		const sets = 3
		raw := imagetest.NoisePNG(100, 100, 3)
		img := b64(raw)
		for _, c := range []struct {
			name  string
			sets  int
			bytes int64
		}{
			{"sets", sets, 0},
			{"bytes", 100, int64(sets * len(raw))},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := newBoundsEnv(t, url, c.sets, c.bytes)
				var wg sync.WaitGroup
				errs := make([]error, 12)
				for i := range errs {
					wg.Go(func() { errs[i] = e.put(fmt.Sprintf("app-%d", i), img) })
				}
				wg.Wait()
				ok := 0
				for _, err := range errs {
					if err == nil {
						ok++
					} else if !apperr.Is(err, apperr.Invalid) {
						t.Fatalf("unexpected: %v", err)
					}
				}
				if got, _ := e.stored(t); ok != sets || got != sets {
					t.Fatalf("%d accepted, %d stored, want %d", ok, got, sets)
				}
			})
		}
	})
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
