package files_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"userbridge/ent/file"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/imagedata"
)

func TestAvatar(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		e := newEnv(t, st)
		ctx := context.Background()
		v := e.user(t, "a@example.com", false)
		other := e.user(t, "b@example.com", false)
		temp := func(who string, data []byte) int {
			t.Helper()
			vv := v
			if who == "other" {
				vv = other
			}
			f, err := e.svc.UploadTemporary(ctx, vv, up("pic.png", data))
			if err != nil {
				t.Fatal(err)
			}
			if f.Kind != file.KindTemporary || f.ExpiresAt == nil || !f.ExpiresAt.Equal(e.clock.Now().Add(time.Hour).Truncate(time.Microsecond)) {
				t.Fatalf("temporary file %+v", f)
			}
			return f.ID
		}
		avatarOf := func() *int {
			t.Helper()
			return e.client.User.GetX(ctx, v.User.ID).AvatarID
		}

		first := temp("self", pngBytes(t))
		changed, err := e.svc.SetAvatar(ctx, v, v.User.ID, &first)
		if err != nil || !changed {
			t.Fatalf("adopt: %v %v", changed, err)
		}
		f := e.client.File.GetX(ctx, first)
		if f.Kind != file.KindAvatar || f.ExpiresAt != nil || *avatarOf() != first {
			t.Fatalf("adopted file %+v", f)
		}

		second := temp("self", pngBytes(t))
		if _, err := e.svc.SetAvatar(ctx, v, v.User.ID, &second); err != nil {
			t.Fatal(err)
		}
		if *avatarOf() != second || e.hasBlob(t, f.StorageKey) || e.client.File.Query().Where(file.ID(first)).ExistX(ctx) {
			t.Fatal("replacing did not remove the old avatar's row and blob")
		}

		img, err := imagedata.Decode("data:image/png;base64,"+base64.StdEncoding.EncodeToString(pngBytes(t)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetAvatarImage(ctx, v, v.User.ID, img); err != nil {
			t.Fatal(err)
		}
		third := e.client.File.GetX(ctx, *avatarOf())
		if third.Kind != file.KindAvatar || third.ContentType != "image/png" || third.Name != "avatar.png" {
			t.Fatalf("inline avatar %+v", third)
		}
		if e.client.File.Query().Where(file.ID(second)).ExistX(ctx) {
			t.Fatal("the inline image did not replace the old avatar")
		}

		changed, err = e.svc.SetAvatar(ctx, v, v.User.ID, nil)
		if err != nil || !changed || avatarOf() != nil || e.hasBlob(t, third.StorageKey) {
			t.Fatalf("remove: changed=%v err=%v", changed, err)
		}
		if changed, err = e.svc.SetAvatar(ctx, v, v.User.ID, nil); err != nil || changed {
			t.Fatalf("removing nothing: changed=%v err=%v", changed, err)
		}

		invalid := map[string]int{
			"not-an-image": temp("self", []byte("just text")),
			"not-yours":    temp("other", pngBytes(t)),
			"unknown":      1 << 40,
		}
		expired := temp("self", pngBytes(t))
		for name, id := range invalid {
			_, err := e.svc.SetAvatar(ctx, v, v.User.ID, &id)
			if e := apperr.As(err); e == nil || e.Reason != files.ReasonInvalidAvatar {
				t.Errorf("%s: got %v, want invalid_avatar", name, err)
			}
		}
		e.clock.Advance(time.Hour + time.Second)
		_, err = e.svc.SetAvatar(ctx, v, v.User.ID, &expired)
		wantReason(t, err, apperr.Invalid, files.ReasonInvalidAvatar)

		_, err = e.svc.SetAvatar(ctx, other, v.User.ID, nil)
		wantReason(t, err, apperr.NotFound, "not_found")
	})
}

func TestSweeper(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		e := newEnv(t, st)
		ctx := context.Background()
		v := e.user(t, "a@example.com", false)
		kept, err := e.svc.UploadUserFile(ctx, v, v.User.ID, up("kept.txt", []byte("k")), files.UserFileInput{})
		if err != nil {
			t.Fatal(err)
		}
		temp, err := e.svc.UploadTemporary(ctx, v, up("t.png", pngBytes(t)))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Bucket().WriteAll(ctx, "orphan", []byte("no row"), nil); err != nil {
			t.Fatal(err)
		}

		// Within the grace period and before expiry nothing goes: the
		// orphan may be an upload whose row is not committed yet.
		res, err := e.svc.Sweep(ctx)
		if err != nil || res != (files.SweepResult{}) || !e.hasBlob(t, "orphan") {
			t.Fatalf("early sweep removed %+v (%v)", res, err)
		}

		e.clock.Advance(2 * time.Hour)
		res, err = e.svc.Sweep(ctx)
		if err != nil || res != (files.SweepResult{Expired: 1, Orphans: 1}) {
			t.Fatalf("sweep = %+v, %v", res, err)
		}
		if e.hasBlob(t, "orphan") || e.hasBlob(t, temp.StorageKey) ||
			e.client.File.Query().Where(file.ID(temp.ID)).ExistX(ctx) {
			t.Fatal("orphan or expired temporary file remains")
		}
		if !e.hasBlob(t, kept.StorageKey) || !e.client.File.Query().Where(file.ID(kept.ID)).ExistX(ctx) {
			t.Fatal("the sweeper removed a live file")
		}
	})
}
