package files

import (
	"context"

	"entgo.io/ent/dialect"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/store/db"
)

// withTx runs fn in a transaction (db.WithTx): the one ctx carries, if
// any, else its own.
func (s *Service) withTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return db.WithTx(ctx, s.client, fn)
}

// withBlobs is withTx for a write that stored the blob added (may be "")
// before its row: fn returns the keys of the blobs whose rows it deleted.
// Those go once the transaction commits; added goes if it never does (fn
// fails, a caller's transaction it joined rolls back, the commit fails).
// Nothing is removed before the outcome is known, so a joined transaction
// that rolls back loses no blob its rows still name.
func (s *Service) withBlobs(ctx context.Context, added string, fn func(tx *ent.Tx) ([]string, error)) error {
	bg := context.WithoutCancel(ctx)
	hooked := false
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		var gone []string
		db.Finally(tx,
			func() { s.RemoveBlobs(bg, gone) },
			func() { s.RemoveBlobs(bg, nonEmpty(added)) })
		hooked = true
		var err error
		gone, err = fn(tx)
		return err
	})
	if err != nil && !hooked {
		s.RemoveBlobs(bg, nonEmpty(added)) // the transaction never started
	}
	return err
}

// lockOwner loads the user id inside tx and holds it until the end of tx,
// so that every write to one user's files (quota, avatar) runs one at a
// time. PostgreSQL locks the row (SELECT ... FOR UPDATE); SQLite needs
// nothing more, its transactions all start IMMEDIATE on the one writer.
// Returns not found when the user does not exist.
func (s *Service) lockOwner(ctx context.Context, tx *ent.Tx, id int) (*ent.User, error) {
	q := tx.User.Query().Where(user.ID(id))
	if s.cfg.Dialect == dialect.Postgres {
		q = q.ForUpdate()
	}
	u, err := q.Only(ctx)
	if err != nil {
		return nil, apperr.Classify(err)
	}
	return u, nil
}

// insert adds the row of a stored blob inside tx; set fills the fields
// that depend on the kind of file.
func (s *Service) insert(ctx context.Context, tx *ent.Tx, ownerID int, st *stored, set func(*ent.FileCreate)) (*ent.File, error) {
	c := tx.File.Create().
		SetOwnerID(ownerID).
		SetName(st.name).
		SetContentType(st.contentType).
		SetFileType(st.fileType).
		SetSize(st.size).
		SetSha256(st.sha256).
		SetStorageKey(st.key).
		SetCreatedAt(s.now())
	set(c)
	f, err := c.Save(ctx)
	if err != nil {
		return nil, apperr.Classify(err)
	}
	return f, nil
}
