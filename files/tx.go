package files

import (
	"context"

	"entgo.io/ent/dialect"

	"userbridge/apperr"
	"userbridge/db"
	"userbridge/ent"
	"userbridge/ent/user"
)

// withTx runs fn in a transaction (db.WithTx).
func (s *Service) withTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return db.WithTx(ctx, s.client, fn)
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
