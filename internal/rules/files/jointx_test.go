package files_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"userbridge/ent"
	"userbridge/internal/rules/imagedata"
	"userbridge/internal/store/db"
)

var errLaterStep = errors.New("a later step of the request failed")

// TestJoinedTransaction: a file write made inside a caller's transaction
// (db.InTx) commits or rolls back with it. Blobs are written before the
// commit; if it never comes the new blob goes at once, the old avatar's
// blob stays (its row is back), and a blob a crash left behind is swept.
func TestJoinedTransaction(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		e := newEnv(t, st)
		ctx := context.Background()
		v := e.user(t, "a@example.com", false)
		img := &imagedata.Image{Format: "png", Data: pngBytes(t)}
		if err := e.svc.SetAvatarImage(ctx, v, v.User.ID, img); err != nil {
			t.Fatal(err)
		}
		first := e.blobs(t)
		if len(first) != 1 {
			t.Fatalf("blobs %v", first)
		}

		t.Run("a rolled back request keeps the old avatar and its blob, and removes the new blob", func(t *testing.T) {
			err := db.InTx(ctx, e.client, func(ctx context.Context) error {
				if err := e.svc.SetAvatarImage(ctx, v, v.User.ID, img); err != nil {
					return err
				}
				if n := len(e.blobs(t)); n != 2 {
					t.Fatalf("%d blobs before the commit, want the old and the new", n)
				}
				return errLaterStep
			})
			if !errors.Is(err, errLaterStep) && err.Error() != "internal error" {
				t.Fatalf("err %v", err)
			}
			if b := e.blobs(t); len(b) != 1 || b[0] != first[0] {
				t.Fatalf("blobs %v, want only %v", b, first)
			}
			u := e.client.User.GetX(ctx, v.User.ID)
			f := e.client.File.GetX(ctx, *u.AvatarID)
			if f.StorageKey != first[0] {
				t.Fatalf("avatar names %s", f.StorageKey)
			}
		})

		t.Run("a committed request replaces the avatar and removes the old blob after the commit", func(t *testing.T) {
			err := db.InTx(ctx, e.client, func(ctx context.Context) error {
				if err := e.svc.SetAvatarImage(ctx, v, v.User.ID, img); err != nil {
					return err
				}
				if !e.hasBlob(t, first[0]) {
					t.Fatal("the old blob went before the commit")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if e.hasBlob(t, first[0]) || len(e.blobs(t)) != 1 {
				t.Fatalf("blobs %v", e.blobs(t))
			}
		})

		t.Run("a blob whose commit never came is swept after the grace period", func(t *testing.T) {
			// What a crash between the blob write and the commit leaves:
			// the blob, no row (the transaction died with the process).
			tx, err := e.client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.SetAvatarImage(ent.NewTxContext(ctx, tx), v, v.User.ID, img); err != nil {
				t.Fatal(err)
			}
			stranded := e.blobs(t)
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if len(stranded) != 2 {
				t.Fatalf("blobs %v", stranded)
			}
			// The rollback hook removed it already; put back what a crash
			// would have left, then let the sweeper find it.
			for _, k := range stranded {
				if !e.hasBlob(t, k) {
					if err := e.svc.Bucket().WriteAll(ctx, k, []byte("stranded"), nil); err != nil {
						t.Fatal(err)
					}
				}
			}
			if res, _ := e.svc.Sweep(ctx); res.Orphans != 0 {
				t.Fatalf("swept %d within the grace period", res.Orphans)
			}
			e.clock.Advance(2 * time.Hour)
			res, err := e.svc.Sweep(ctx)
			if err != nil || res.Orphans != 1 || len(e.blobs(t)) != 1 {
				t.Fatalf("sweep %+v %v, blobs %v", res, err, e.blobs(t))
			}
		})
	})
}
