package signatures

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"userbridge/ent"
	"userbridge/ent/signature"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
)

// Default bounds of what one user keeps (SIGNATURE_SETS_PER_USER,
// SIGNATURE_BYTES_PER_USER).
const (
	DefaultMaxSets      = 10
	DefaultMaxUserBytes = 10 << 20
)

// Reasons of the refusals past the per-user bounds.
const (
	ReasonSetsLimit  = "signature_sets_limit"
	ReasonBytesLimit = "signature_bytes_limit"
)

// usage is what a user keeps: signature sets (one per external
// application, signatures made inside the service being one more) and
// their bytes.
type usage struct {
	sets  int
	bytes int64
}

// setRow is one set's bytes, as the database adds them up.
type setRow struct {
	App   *string `sql:"external_application"`
	Bytes int64   `sql:"bytes"`
}

// lockOwner holds userID until the end of tx, so that the replacements of
// one user's signatures run one at a time and each sees what the one
// before it committed. PostgreSQL locks the row; SQLite's transactions
// all start IMMEDIATE on its one writer.
// Returns not found when the user does not exist.
func (s *Service) lockOwner(ctx context.Context, tx *ent.Tx, userID int) error {
	q := tx.User.Query().Where(user.ID(userID))
	if s.Dialect == dialect.Postgres {
		q = q.ForUpdate()
	}
	_, err := q.OnlyID(ctx)
	return err
}

// usageOf returns what userID keeps besides the set of app, and in all.
func usageOf(ctx context.Context, tx *ent.Tx, userID int, app string) (others, all usage, err error) {
	var rows []setRow
	err = tx.Signature.Query().Where(signature.OwnerID(userID)).
		GroupBy(signature.FieldExternalApplication).
		Aggregate(func(s *sql.Selector) string {
			return sql.As("COALESCE(SUM(LENGTH("+s.C(signature.FieldData)+")), 0)", "bytes")
		}).
		Scan(ctx, &rows)
	if err != nil {
		return usage{}, usage{}, err
	}
	for _, r := range rows {
		all.sets++
		all.bytes += r.Bytes
		if r.App == nil || *r.App != app {
			others.sets++
			others.bytes += r.Bytes
		}
	}
	return others, all, nil
}

// withinBounds checks that replacing the set of app by one of newBytes
// bytes (none: the set is removed) keeps userID within the bounds. A user
// already past one (signatures stored before the bounds, or bounds since
// lowered) may still replace a set by a smaller one, or remove it.
// Returns invalid with reason signature_sets_limit or signature_bytes_limit.
func (s *Service) withinBounds(ctx context.Context, tx *ent.Tx, userID int, app string, count int, newBytes int64) error {
	others, before, err := usageOf(ctx, tx, userID, app)
	if err != nil {
		return err
	}
	after := others
	if count > 0 {
		after.sets++
		after.bytes += newBytes
	}
	if maxSets := s.maxSets(); after.sets > maxSets && after.sets > before.sets {
		return apperr.Invalidf("signatures", ReasonSetsLimit,
			"Max signature sets reached (%d external applications per user)", maxSets)
	}
	if maxBytes := s.maxUserBytes(); after.bytes > maxBytes && after.bytes > before.bytes {
		return apperr.Invalidf("signatures", ReasonBytesLimit,
			"Max signatures size reached (%s per user)", size(maxBytes))
	}
	return nil
}

func (s *Service) maxSets() int {
	if s.MaxSets > 0 {
		return s.MaxSets
	}
	return DefaultMaxSets
}

func (s *Service) maxUserBytes() int64 {
	if s.MaxUserBytes > 0 {
		return s.MaxUserBytes
	}
	return DefaultMaxUserBytes
}

// UserBytesLimit is the bytes of signatures one user may keep.
func (s *Service) UserBytesLimit() int64 { return s.maxUserBytes() }

// size spells n bytes as Maarch spells its file size limit ("1 MB" for
// 1,048,576 bytes).
func size(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
