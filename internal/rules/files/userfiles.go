package files

import (
	"context"

	"userbridge/ent"
	"userbridge/ent/file"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// ReasonInvalidNature is the reason of an unknown nature.
const ReasonInvalidNature = "invalid_nature"

// UserFileInput is what a user file carries besides its bytes.
type UserFileInput struct {
	Nature     file.Nature // manual (default) or auto
	ScenarioID *string     // kept, opaque
}

// UploadUserFile stores up as a user file of ownerID and, in the same
// transaction, evicts that user's oldest user files of the same nature
// beyond the quota. The transaction holds the owner (lockOwner), so
// concurrent uploads for one user never leave more than the quota, and an
// upload that fails evicts nothing. Evicted blobs are removed after commit.
// Returns not found (owner invisible or gone), forbidden (scope files),
// invalid (invalid_nature, missing_file, read_failed), too large.
func (s *Service) UploadUserFile(ctx context.Context, v *auth.Viewer, ownerID int, up Upload, in UserFileInput) (*ent.File, error) {
	if err := s.mayWrite(ctx, v, ownerID); err != nil {
		return nil, err
	}
	if in.Nature == "" {
		in.Nature = file.NatureManual
	}
	if file.NatureValidator(in.Nature) != nil {
		return nil, apperr.Invalidf("nature", ReasonInvalidNature, "nature must be manual or auto")
	}
	st, err := s.put(ctx, up)
	if err != nil {
		return nil, err
	}
	var f *ent.File
	err = s.withBlobs(ctx, st.key, func(tx *ent.Tx) ([]string, error) {
		if _, err := s.lockOwner(ctx, tx, ownerID); err != nil {
			return nil, err
		}
		if f, err = s.insert(ctx, tx, ownerID, st, func(c *ent.FileCreate) {
			c.SetKind(file.KindUserFile).SetNature(in.Nature).SetNillableScenarioID(in.ScenarioID)
		}); err != nil {
			return nil, err
		}
		return s.evict(ctx, tx, ownerID, in.Nature)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// mayWrite applies policy.WriteFiles to the files of ownerID, loading the
// owner only when it is not the viewer (an administrator's files need an
// administrator). Returns not found for an invisible or unknown owner.
func (s *Service) mayWrite(ctx context.Context, v *auth.Viewer, ownerID int) error {
	owner, err := s.owner(ctx, v, ownerID)
	if err != nil {
		return err
	}
	return policy.WriteFiles(v, owner)
}

// owner is the user ownerID as policy needs it (id and role): the viewer's
// own, or read. Returns not found for an unknown one, as policy does for an
// invisible one.
func (s *Service) owner(ctx context.Context, v *auth.Viewer, ownerID int) (*ent.User, error) {
	if v != nil && v.User != nil && v.User.ID == ownerID {
		return v.User, nil
	}
	u, err := s.client.User.Query().Where(user.ID(ownerID)).Select(user.FieldID, user.FieldRole).Only(ctx)
	return u, apperr.Classify(err)
}

// evict deletes, inside tx, the owner's user files of nature beyond the
// quota, oldest first, and returns their storage keys.
func (s *Service) evict(ctx context.Context, tx *ent.Tx, ownerID int, nature file.Nature) ([]string, error) {
	old, err := tx.File.Query().
		Where(file.OwnerID(ownerID), file.KindEQ(file.KindUserFile), file.NatureEQ(nature)).
		Order(ent.Desc(file.FieldCreatedAt), ent.Desc(file.FieldID)).
		Offset(s.cfg.Quota).
		All(ctx)
	if err != nil || len(old) == 0 {
		return nil, err
	}
	ids := make([]int, len(old))
	keys := make([]string, len(old))
	for i, f := range old {
		ids[i], keys[i] = f.ID, f.StorageKey
	}
	if _, err := tx.File.Delete().Where(file.IDIn(ids...)).Exec(ctx); err != nil {
		return nil, err
	}
	return keys, nil
}

// DeleteUserFile deletes a user file, then its blob.
// Returns not found when the file does not exist, is not a user file, or is
// invisible to the viewer; forbidden for a missing scope.
func (s *Service) DeleteUserFile(ctx context.Context, v *auth.Viewer, id int) error {
	f, err := s.Get(ctx, v, id)
	if err != nil {
		return err
	}
	if f.Kind != file.KindUserFile {
		return apperr.ErrNotFound
	}
	if err := s.mayWrite(ctx, v, f.OwnerID); err != nil {
		return err
	}
	n, err := s.client.File.Delete().Where(file.ID(id)).Exec(ctx)
	if err != nil {
		return apperr.Classify(err)
	}
	if n == 0 {
		return apperr.ErrNotFound
	}
	s.RemoveBlobs(context.WithoutCancel(ctx), []string{f.StorageKey})
	return nil
}

// UserFiles lists the user files of ownerID, oldest first.
// Returns not found (owner invisible) or forbidden (scope files).
func (s *Service) UserFiles(ctx context.Context, v *auth.Viewer, ownerID int) ([]*ent.File, error) {
	if err := policy.Scope(v, auth.ScopeFiles); err != nil {
		return nil, err
	}
	owner, err := s.owner(ctx, v, ownerID)
	if err != nil {
		return nil, err
	}
	if err := policy.ReadFiles(v, owner); err != nil {
		return nil, err
	}
	fs, err := s.client.File.Query().
		Where(file.OwnerID(ownerID), file.KindEQ(file.KindUserFile)).
		Order(ent.Asc(file.FieldCreatedAt), ent.Asc(file.FieldID)).
		All(ctx)
	return fs, apperr.Classify(err)
}

// Get returns a file the viewer may read, of any kind.
// Returns not found when it does not exist or is invisible to the viewer;
// forbidden for a missing scope.
func (s *Service) Get(ctx context.Context, v *auth.Viewer, id int) (*ent.File, error) {
	if err := policy.Scope(v, auth.ScopeFiles); err != nil {
		return nil, err
	}
	f, err := s.client.File.Get(ctx, id)
	if err != nil {
		return nil, apperr.Classify(err)
	}
	owner, err := s.owner(ctx, v, f.OwnerID)
	if err != nil {
		return nil, err
	}
	if err := policy.ReadFiles(v, owner); err != nil {
		return nil, err
	}
	return f, nil
}

// OwnUserFile returns one of the viewer's own user files (the education
// platform's secured attachments): another user's file, even for a user
// manager, and a file of another kind (avatar, temporary upload) are not
// found, like an unknown id.
// Returns not found, or forbidden for a missing scope.
func (s *Service) OwnUserFile(ctx context.Context, v *auth.Viewer, id int) (*ent.File, error) {
	f, err := s.Get(ctx, v, id)
	if err != nil {
		return nil, err
	}
	if err := policy.ReadOwnFile(v, f.OwnerID); err != nil {
		return nil, err
	}
	if f.Kind != file.KindUserFile {
		return nil, apperr.ErrNotFound
	}
	return f, nil
}
