package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"testing"

	"userbridge/ent/file"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/files"
)

func TestUploadUserFile(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		e := newEnv(t, st)
		v := e.user(t, "a@example.com", false)
		data := []byte(`{"hello": "world"}`)
		f, err := e.svc.UploadUserFile(context.Background(), v, v.User.ID,
			up("../secret/Data.JSON", data), files.UserFileInput{ScenarioID: new("sc-1")})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if f.Name != "Data.JSON" || f.FileType != "json" || f.Size != int64(len(data)) ||
			f.Sha256 != hex.EncodeToString(sum[:]) || f.ContentType != "text/plain; charset=utf-8" ||
			f.Kind != file.KindUserFile || f.Nature != file.NatureManual || *f.ScenarioID != "sc-1" {
			t.Fatalf("unexpected row %+v", f)
		}
		got, err := e.svc.Bucket().ReadAll(context.Background(), f.StorageKey)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("blob = %q, %v", got, err)
		}
		_, err = e.svc.UploadUserFile(context.Background(), v, v.User.ID, up("x", data),
			files.UserFileInput{Nature: "weird"})
		wantReason(t, err, apperr.Invalid, files.ReasonInvalidNature)
	})
}

func TestQuotaEvictsOldestOfSameNature(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		e := newEnv(t, st) // quota 3
		v := e.user(t, "a@example.com", false)
		ctx := context.Background()
		var keys []string
		for i := range 5 {
			f, err := e.svc.UploadUserFile(ctx, v, v.User.ID, up(fmt.Sprintf("m%d.txt", i), []byte{byte(i)}), files.UserFileInput{})
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, f.StorageKey)
		}
		if _, err := e.svc.UploadUserFile(ctx, v, v.User.ID, up("auto.txt", []byte("a")),
			files.UserFileInput{Nature: file.NatureAuto}); err != nil {
			t.Fatal(err)
		}
		list, err := e.svc.UserFiles(ctx, v, v.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range list {
			names = append(names, f.Name)
		}
		if want := []string{"m2.txt", "m3.txt", "m4.txt", "auto.txt"}; !slices.Equal(names, want) {
			t.Fatalf("files = %v, want %v", names, want)
		}
		for i, k := range keys {
			if got, want := e.hasBlob(t, k), i >= 2; got != want {
				t.Errorf("blob of m%d present = %v, want %v", i, got, want)
			}
		}
	})
}

// TestConcurrentUploadsKeepQuota fires 50 uploads for one user at once:
// exactly quota rows remain, each with its blob, and no evicted blob.
func TestConcurrentUploadsKeepQuota(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		e := newEnv(t, st)
		v := e.user(t, "a@example.com", false)
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				_, err := e.svc.UploadUserFile(context.Background(), v, v.User.ID,
					up(fmt.Sprintf("f%d.bin", i), bytes.Repeat([]byte{byte(i)}, 4096)), files.UserFileInput{})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("upload: %v", err)
			}
		}
		rows, err := e.client.File.Query().All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("%d rows remain, want the quota 3", len(rows))
		}
		var want []string
		for _, f := range rows {
			want = append(want, f.StorageKey)
		}
		got := e.blobs(t)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("blobs %v, want exactly the rows' %v", got, want)
		}
	})
}

func TestFailedTransactionRemovesBlob(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		e := newEnv(t, st)
		admin := e.user(t, "admin@example.com", true)
		// The owner does not exist: the blob is written, the insert fails.
		_, err := e.svc.UploadUserFile(context.Background(), admin, admin.User.ID+999,
			up("a.txt", []byte("bytes")), files.UserFileInput{})
		wantReason(t, err, apperr.NotFound, "not_found")
		if b := e.blobs(t); len(b) != 0 {
			t.Fatalf("blobs left behind: %v", b)
		}
	})
}

func TestUploadOverLimitLeavesNoBlob(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		e := newEnv(t, st, func(c *files.Config) { c.MaxUpload = 1000 })
		v := e.user(t, "a@example.com", false)
		_, err := e.svc.UploadUserFile(context.Background(), v, v.User.ID,
			up("big.bin", make([]byte, 5000)), files.UserFileInput{})
		wantReason(t, err, apperr.TooLarge, files.ReasonTooLarge)
		_, err = e.svc.UploadTemporary(context.Background(), v, up("big.bin", make([]byte, 1001)))
		wantReason(t, err, apperr.TooLarge, files.ReasonTooLarge)
		if b := e.blobs(t); len(b) != 0 {
			t.Fatalf("blobs left behind: %v", b)
		}
		if _, err := e.svc.UploadUserFile(context.Background(), v, v.User.ID,
			up("exact.bin", make([]byte, 1000)), files.UserFileInput{}); err != nil {
			t.Fatalf("an upload of exactly the limit: %v", err)
		}
	})
}

func TestOtherUsersFilesAreNotFound(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		e := newEnv(t, st)
		a := e.user(t, "a@example.com", false)
		b := e.user(t, "b@example.com", false)
		admin := e.user(t, "admin@example.com", true)
		ctx := context.Background()
		f, err := e.svc.UploadUserFile(ctx, a, a.User.ID, up("a.txt", []byte("a")), files.UserFileInput{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Get(ctx, b, f.ID)
		wantReason(t, err, apperr.NotFound, "not_found")
		wantReason(t, e.svc.DeleteUserFile(ctx, b, f.ID), apperr.NotFound, "not_found")
		_, err = e.svc.UploadUserFile(ctx, b, a.User.ID, up("x", []byte("x")), files.UserFileInput{})
		wantReason(t, err, apperr.NotFound, "not_found")
		if _, err := e.svc.Get(ctx, admin, f.ID); err != nil {
			t.Fatalf("a user manager sees it: %v", err)
		}
		if err := e.svc.DeleteUserFile(ctx, a, f.ID); err != nil {
			t.Fatal(err)
		}
		if e.hasBlob(t, f.StorageKey) {
			t.Fatal("blob of a deleted file remains")
		}
	})
}
