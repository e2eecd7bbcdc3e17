package accounts

import (
	"context"

	"userbridge/ent"
	"userbridge/ent/credential"
	"userbridge/ent/file"
	"userbridge/ent/signature"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db"
)

// Delete removes another user and everything it owns.
// Returns forbidden per policy.DeleteUsers before the lookup, not found when
// the user is invisible to the viewer, forbidden per policy.DeleteUser,
// forbidden (ReasonLastAdministrator) for the last active administrator.
func (s *Service) Delete(ctx context.Context, v *auth.Viewer, id int) error {
	if err := policy.DeleteUsers(v); err != nil {
		return err
	}
	target, err := s.Client.User.Get(ctx, id)
	if err != nil {
		return apperr.Classify(err)
	}
	if err := policy.DeleteUser(v, target); err != nil {
		return err
	}
	return s.purge(ctx, v, id)
}

// DeleteViewer removes the viewer's own account and everything it owns.
// Returns forbidden per policy.DeleteSelf (consent, application permission),
// forbidden (ReasonLastAdministrator) for the last active administrator.
func (s *Service) DeleteViewer(ctx context.Context, v *auth.Viewer) error {
	if err := policy.DeleteSelf(v); err != nil {
		return err
	}
	return s.purge(ctx, v, v.User.ID)
}

// purge deletes the user's files, signatures, credentials and the user in one
// transaction, then the files' blobs once the rows are gone for good (after
// the commit of the transaction it joins, when ctx carries one).
func (s *Service) purge(ctx context.Context, v *auth.Viewer, id int) error {
	return withTx(ctx, s.Client, func(tx *ent.Tx) error {
		if err := s.lockAdmins(ctx, tx); err != nil {
			return err
		}
		// Read in the transaction, after the lock: whether it is an
		// administrator that goes (keepAnAdmin).
		before, err := tx.User.Get(ctx, id)
		if err != nil {
			return apperr.Classify(err)
		}
		keys, err := tx.File.Query().Where(file.OwnerID(id)).Select(file.FieldStorageKey).Strings(ctx)
		if err != nil {
			return apperr.Wrap(err, "listing files")
		}
		if s.Blobs != nil && len(keys) > 0 {
			db.Finally(tx, func() { s.Blobs.RemoveBlobs(context.WithoutCancel(ctx), keys) }, nil)
		}
		if err := tx.User.UpdateOneID(id).ClearAvatar().Exec(ctx); err != nil {
			return apperr.Classify(err)
		}
		if _, err := tx.File.Delete().Where(file.OwnerID(id)).Exec(ctx); err != nil {
			return apperr.Wrap(err, "deleting files")
		}
		if _, err := tx.Signature.Delete().Where(signature.OwnerID(id)).Exec(ctx); err != nil {
			return apperr.Wrap(err, "deleting signatures")
		}
		if _, err := tx.Credential.Delete().Where(credential.UserID(id)).Exec(ctx); err != nil {
			return apperr.Wrap(err, "deleting credentials")
		}
		n, err := tx.User.Delete().Where(user.ID(id)).Exec(ctx)
		if err != nil {
			return apperr.Wrap(err, "deleting user")
		}
		if n == 0 {
			return apperr.ErrNotFound
		}
		return s.keepAnAdmin(ctx, tx, v, before, nil)
	})
}
