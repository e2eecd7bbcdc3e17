package files

import (
	"bytes"
	"context"
	"time"

	"userbridge/ent"
	"userbridge/ent/file"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
)

// RestoreInput is a file brought in by an import: a user file or an avatar
// with the name and time its source gave, and its bytes already checked by
// the caller (size, image).
type RestoreInput struct {
	// ID keeps the file's primary key in a move into an empty store, so
	// GraphQL ids stay the same; nil takes the next one.
	ID        *int
	Avatar    bool
	Name      string
	Nature    file.Nature // user files: manual (default) or auto
	CreatedAt time.Time
	Data      []byte
}

// Restore stores an imported file of ownerID with the rules an upload
// follows (quota eviction for user files, replacement for an avatar) but
// no viewer: the operator running the import is trusted. It joins the
// transaction ctx carries, so an import's batch rolls back as one, and its
// blob goes with a rollback.
// Returns too large past the upload bound, invalid for an unknown nature.
func (s *Service) Restore(ctx context.Context, ownerID int, in RestoreInput) (*ent.File, error) {
	if in.Nature == "" {
		in.Nature = file.NatureManual
	}
	if file.NatureValidator(in.Nature) != nil {
		return nil, apperr.Invalidf("nature", ReasonInvalidNature, "nature must be manual or auto")
	}
	st, err := s.put(ctx, Upload{Name: in.Name, Body: bytes.NewReader(in.Data)})
	if err != nil {
		return nil, err
	}
	if in.Name != "" && !in.Avatar {
		st.name = SanitizeName(in.Name)
	}
	var f *ent.File
	err = s.withBlobs(ctx, st.key, func(tx *ent.Tx) ([]string, error) {
		u, err := s.lockOwner(ctx, tx, ownerID)
		if err != nil {
			return nil, err
		}
		f, err = s.insert(ctx, tx, ownerID, st, func(c *ent.FileCreate) {
			c.SetCreatedAt(in.CreatedAt)
			if in.ID != nil {
				c.SetID(*in.ID)
			}
			if in.Avatar {
				c.SetKind(file.KindAvatar)
			} else {
				c.SetKind(file.KindUserFile).SetNature(in.Nature)
			}
		})
		if err != nil {
			return nil, err
		}
		if !in.Avatar {
			return s.evict(ctx, tx, ownerID, in.Nature)
		}
		if u.AvatarID == nil {
			return nil, tx.User.Update().Where(user.ID(ownerID)).SetAvatarID(f.ID).Exec(ctx)
		}
		old, err := s.replaceAvatar(ctx, tx, u, &f.ID)
		return nonEmpty(old), err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}
