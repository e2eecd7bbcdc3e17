package files

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"userbridge/ent"
	"userbridge/ent/file"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/imagedata"
	"userbridge/internal/rules/policy"
)

// ReasonInvalidAvatar is the reason of a temporary file that cannot become
// an avatar: unknown, not the user's, expired, already adopted, or not an
// image.
const ReasonInvalidAvatar = "invalid_avatar"

func invalidAvatar() error {
	return apperr.Invalidf("avatar", ReasonInvalidAvatar, "the file cannot be used as an avatar")
}

// MayUploadTemporary is policy.UploadTemporary, for transports that refuse
// before reading the upload.
func (s *Service) MayUploadTemporary(v *auth.Viewer) error { return policy.UploadTemporary(v) }

// ReasonTemporaryLimit is the reason of an upload refused because the
// viewer already has Config.TempFiles temporary files pending, or they and
// the new one would hold more than Config.TempBytes.
const ReasonTemporaryLimit = "temporary_files_limit"

// UploadTemporary stores up as a temporary file of the viewer, removed by
// the sweeper unless adopted (SetAvatar) before it expires. The viewer's
// pending temporary files are bounded in number and bytes, counted under the
// owner's lock so that concurrent uploads cannot pass the bound together.
// Returns unauthenticated, forbidden (no user, scope identity), invalid
// (missing_file, read_failed), too large, or rate limited with reason
// temporary_files_limit.
func (s *Service) UploadTemporary(ctx context.Context, v *auth.Viewer, up Upload) (*ent.File, error) {
	if err := policy.UploadTemporary(v); err != nil {
		return nil, err
	}
	// A viewer already at its bounds is refused before its bytes are read
	// and stored; the check under the owner's lock below is the one that
	// holds against concurrent uploads.
	if err := s.withinTemporaryBounds(ctx, s.cfg.Client.File, v.User.ID, 0); err != nil {
		return nil, err
	}
	st, err := s.put(ctx, up)
	if err != nil {
		return nil, err
	}
	var f *ent.File
	err = s.withBlobs(ctx, st.key, func(tx *ent.Tx) ([]string, error) {
		if err := s.admitTemporary(ctx, tx, v.User.ID, st.size); err != nil {
			return nil, err
		}
		f, err = s.insert(ctx, tx, v.User.ID, st, func(c *ent.FileCreate) {
			c.SetKind(file.KindTemporary).SetExpiresAt(s.now().Add(s.cfg.TempTTL))
		})
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// admitTemporary holds the owner and checks that one more temporary file
// of size bytes stays within the per-user bounds.
func (s *Service) admitTemporary(ctx context.Context, tx *ent.Tx, ownerID int, size int64) error {
	if _, err := s.lockOwner(ctx, tx, ownerID); err != nil {
		return err
	}
	return s.withinTemporaryBounds(ctx, tx.File, ownerID, size)
}

// withinTemporaryBounds checks that one more temporary file of size bytes
// keeps ownerID's pending temporary files within Config.TempFiles and
// Config.TempBytes.
func (s *Service) withinTemporaryBounds(ctx context.Context, files *ent.FileClient, ownerID int, size int64) error {
	sizes, err := files.Query().
		Where(file.OwnerID(ownerID), file.KindEQ(file.KindTemporary), file.ExpiresAtGT(s.now())).
		Select(file.FieldSize).Ints(ctx)
	if err != nil {
		return apperr.Wrap(err, "counting temporary files")
	}
	total := size
	for _, n := range sizes {
		total += int64(n)
	}
	if len(sizes) >= s.cfg.TempFiles || total > s.cfg.TempBytes {
		return apperr.New(apperr.RateLimited, ReasonTemporaryLimit, fmt.Sprintf(
			"at most %d temporary files (%d bytes) may wait to be used; use or wait for the ones sent",
			s.cfg.TempFiles, s.cfg.TempBytes))
	}
	return nil
}

// SetAvatar makes the temporary file temporaryFileID the avatar of userID
// (it stops being temporary), or removes the avatar when it is nil. The old
// avatar's row goes in the same transaction, its blob after commit. changed
// is false when there was nothing to remove.
// Returns not found (user invisible or gone), forbidden per
// policy.ManageAvatar, or invalid with reason invalid_avatar when the file
// is unknown, not the user's, expired or not an image (imagedata.Check: a
// 0x0 image, one over the pixel budget or with bytes after its end is not
// one).
func (s *Service) SetAvatar(ctx context.Context, v *auth.Viewer, userID int, temporaryFileID *int) (changed bool, err error) {
	if err := policy.ManageAvatar(v, userID); err != nil {
		return false, err
	}
	err = s.withBlobs(ctx, "", func(tx *ent.Tx) ([]string, error) {
		u, err := s.lockOwner(ctx, tx, userID)
		if err != nil {
			return nil, err
		}
		var old string
		changed, old, err = s.setAvatar(ctx, tx, v, u, temporaryFileID)
		return nonEmpty(old), err
	})
	return changed, err
}

// SetAvatarOf is SetAvatar for a user that the transaction ctx carries has
// already read and holds (accounts.Service.Update, in the same request): u
// is not read again. Without a transaction in ctx it is SetAvatar.
func (s *Service) SetAvatarOf(ctx context.Context, v *auth.Viewer, u *ent.User, temporaryFileID *int) (changed bool, err error) {
	if ent.TxFromContext(ctx) == nil {
		return s.SetAvatar(ctx, v, u.ID, temporaryFileID)
	}
	if err := policy.ManageAvatar(v, u.ID); err != nil {
		return false, err
	}
	err = s.withBlobs(ctx, "", func(tx *ent.Tx) ([]string, error) {
		var old string
		changed, old, err = s.setAvatar(ctx, tx, v, u, temporaryFileID)
		return nonEmpty(old), err
	})
	return changed, err
}

// setAvatar is SetAvatar once u is held by tx; it returns the key of the
// old avatar's blob, to remove after commit.
func (s *Service) setAvatar(ctx context.Context, tx *ent.Tx, v *auth.Viewer, u *ent.User, temporaryFileID *int) (changed bool, old string, err error) {
	if err := policy.AvatarOf(v, u); err != nil {
		return false, "", err
	}
	if temporaryFileID != nil && u.AvatarID != nil && *u.AvatarID == *temporaryFileID {
		return false, "", nil // the current avatar given back: nothing to change
	}
	if temporaryFileID != nil {
		if err := s.adopt(ctx, tx, u.ID, *temporaryFileID); err != nil {
			return false, "", err
		}
	}
	if u.AvatarID == nil {
		if temporaryFileID == nil {
			return false, "", nil
		}
		return true, "", tx.User.UpdateOneID(u.ID).SetAvatarID(*temporaryFileID).Exec(ctx)
	}
	old, err = s.replaceAvatar(ctx, tx, u, temporaryFileID)
	return true, old, err
}

// adopt turns the user's unexpired temporary image id into an avatar file,
// once its bytes prove to be one whole image (checkAvatarImage).
func (s *Service) adopt(ctx context.Context, tx *ent.Tx, userID, id int) error {
	f, err := tx.File.Get(ctx, id)
	if ent.IsNotFound(err) {
		return invalidAvatar()
	}
	if err != nil {
		return err
	}
	if f.OwnerID != userID || f.Kind != file.KindTemporary ||
		f.ExpiresAt == nil || !f.ExpiresAt.After(s.now()) ||
		!strings.HasPrefix(f.ContentType, "image/") {
		return invalidAvatar()
	}
	if err := s.checkAvatarImage(ctx, f); err != nil {
		return err
	}
	// The sweeper may have taken it meanwhile: adopt only if still temporary.
	n, err := tx.File.Update().Where(file.ID(id), file.KindEQ(file.KindTemporary)).
		SetKind(file.KindAvatar).ClearExpiresAt().Save(ctx)
	if err != nil {
		return err
	}
	if n != 1 {
		return invalidAvatar()
	}
	return nil
}

// replaceAvatar points u at newID (nil: none) and deletes its old avatar
// row, returning the old blob's key.
func (s *Service) replaceAvatar(ctx context.Context, tx *ent.Tx, u *ent.User, newID *int) (string, error) {
	oldID := *u.AvatarID
	if newID != nil && *newID == oldID {
		return "", nil
	}
	upd := tx.User.UpdateOneID(u.ID).ClearAvatar()
	if newID != nil {
		upd = tx.User.UpdateOneID(u.ID).SetAvatarID(*newID)
	}
	if err := upd.Exec(ctx); err != nil {
		return "", err
	}
	old, err := tx.File.Query().Where(file.ID(oldID)).Only(ctx)
	if ent.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if err := tx.File.DeleteOneID(oldID).Exec(ctx); err != nil {
		return "", err
	}
	return old.StorageKey, nil
}

// SetAvatarImage stores img (decoded by imagedata.Decode: base64 or a
// data:image URI) as the avatar of userID, replacing any old one.
// Returns not found (user invisible or gone), forbidden per
// policy.ManageAvatar, or too large.
func (s *Service) SetAvatarImage(ctx context.Context, v *auth.Viewer, userID int, img *imagedata.Image) error {
	return s.setAvatarImage(ctx, v, userID, img, func(tx *ent.Tx) (*ent.User, error) {
		return s.lockOwner(ctx, tx, userID)
	})
}

// SetAvatarImageOf is SetAvatarImage for a user that the transaction ctx
// carries has just written and holds (Maarch creates a user and its
// picture in one transaction): u is not read again. Without a transaction
// in ctx it is SetAvatarImage.
func (s *Service) SetAvatarImageOf(ctx context.Context, v *auth.Viewer, u *ent.User, img *imagedata.Image) error {
	if ent.TxFromContext(ctx) == nil {
		return s.SetAvatarImage(ctx, v, u.ID, img)
	}
	return s.setAvatarImage(ctx, v, u.ID, img, func(*ent.Tx) (*ent.User, error) { return u, nil })
}

// setAvatarImage writes the blob, then, in a transaction, the row of the
// user load gives. The blob goes if the transaction never commits.
func (s *Service) setAvatarImage(ctx context.Context, v *auth.Viewer, userID int, img *imagedata.Image, load func(*ent.Tx) (*ent.User, error)) error {
	if err := policy.ManageAvatar(v, userID); err != nil {
		return err
	}
	if img == nil || len(img.Data) == 0 {
		return invalidAvatar()
	}
	st, err := s.put(ctx, Upload{Name: "avatar." + img.Format, Body: bytes.NewReader(img.Data)})
	if err != nil {
		return err
	}
	return s.withBlobs(ctx, st.key, func(tx *ent.Tx) ([]string, error) {
		u, err := load(tx)
		if err != nil {
			return nil, err
		}
		if err := policy.AvatarOf(v, u); err != nil {
			return nil, err
		}
		f, err := s.insert(ctx, tx, userID, st, func(c *ent.FileCreate) { c.SetKind(file.KindAvatar) })
		if err != nil {
			return nil, err
		}
		if u.AvatarID == nil {
			return nil, tx.User.Update().Where(user.ID(userID)).SetAvatarID(f.ID).Exec(ctx)
		}
		old, err := s.replaceAvatar(ctx, tx, u, &f.ID)
		return nonEmpty(old), err
	})
}

func nonEmpty(key string) []string {
	if key == "" {
		return nil
	}
	return []string{key}
}
