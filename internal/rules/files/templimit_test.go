package files_test

import (
	"bytes"
	"context"
	"testing"

	"userbridge/internal/apperr"
	"userbridge/internal/rules/files"
	"userbridge/internal/store/db/dbtest"
)

// TestTemporaryLimits: one user's pending temporary files are bounded in
// number and bytes; a refused upload leaves no blob, and adopting one frees
// its place.
func TestTemporaryLimits(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		ctx := context.Background()
		t.Run("the file past the count is refused, adoption frees a place", func(t *testing.T) {
			e := newEnv(t, st, func(c *files.Config) { c.TempFiles = 2 })
			v := e.user(t, "a@example.com", false)
			other := e.user(t, "b@example.com", false)
			first, err := e.svc.UploadTemporary(ctx, v, up("1.png", pngBytes(t)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.UploadTemporary(ctx, v, up("2.png", pngBytes(t))); err != nil {
				t.Fatal(err)
			}
			blobs := len(e.blobs(t))
			body := bytes.NewReader(pngBytes(t))
			_, err = e.svc.UploadTemporary(ctx, v, files.Upload{Name: "3.png", Body: body})
			wantReason(t, err, apperr.RateLimited, files.ReasonTemporaryLimit)
			if len(e.blobs(t)) != blobs {
				t.Fatal("the refused upload left its blob")
			}
			if body.Len() != int(body.Size()) {
				t.Fatalf("a viewer at its bound had %d bytes read and stored first", body.Size()-int64(body.Len()))
			}
			if _, err := e.svc.UploadTemporary(ctx, other, up("o.png", pngBytes(t))); err != nil {
				t.Fatalf("another user is not bound by it: %v", err)
			}
			if _, err := e.svc.SetAvatar(ctx, v, v.User.ID, &first.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.UploadTemporary(ctx, v, up("3.png", pngBytes(t))); err != nil {
				t.Fatalf("after adoption: %v", err)
			}
		})
		t.Run("the file past the bytes is refused", func(t *testing.T) {
			e := newEnv(t, fresh(t, st), func(c *files.Config) { c.TempBytes = 100 })
			v := e.user(t, "a@example.com", false)
			if _, err := e.svc.UploadTemporary(ctx, v, up("a.txt", make([]byte, 60))); err != nil {
				t.Fatal(err)
			}
			_, err := e.svc.UploadTemporary(ctx, v, up("b.txt", make([]byte, 60)))
			wantReason(t, err, apperr.RateLimited, files.ReasonTemporaryLimit)
			if _, err := e.svc.UploadTemporary(ctx, v, up("c.txt", make([]byte, 40))); err != nil {
				t.Fatalf("within the bytes: %v", err)
			}
		})
	})
}

// fresh is st with a new empty database of the same backend.
func fresh(t *testing.T, st stores) stores {
	if st.db[:6] == "sqlite" {
		st.db = dbtest.URL(t, dbtest.SQLite)
	} else {
		st.db = dbtest.URL(t, dbtest.Postgres)
	}
	return st
}
