package legacyids

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/internal/apperr"
)

// taken is the error of an id someone else holds or that is reserved.
func taken(d legacyid.Dialect, v string) error {
	return apperr.ConflictOn("legacy_ids."+string(d), ReasonTaken,
		fmt.Sprintf("%s id %s is held by another user or reserved", d, v))
}

// Assign makes v the id user userID shows in d. An imported id the user
// showed there before is reserved, never given to anyone else; a derived
// one follows the rules of Holder. For the integer dialects, the user-id
// sequence moves above v, so that no user created later derives it.
//
// Returns invalid for a malformed v (Valid), not found when there is no
// such user, and conflict (ReasonTaken) when another user holds v in d or
// it is reserved, whether Holder saw it or the database's unique index
// refused it in a race.
func Assign(ctx context.Context, c *ent.Client, userID int, d legacyid.Dialect, v string) error {
	if err := Valid(d, v); err != nil {
		return err
	}
	// The sequence moves before Holder looks, so that a user created
	// meanwhile is not given v as its key unseen (a refused Assign leaves
	// a gap in the keys, nothing else).
	if n, ok := parseInteger(v); ok && integer(d) {
		if err := EnsureSequenceAbove(ctx, c, n); err != nil {
			return err
		}
	}
	holder, held, err := Holder(ctx, c, d, v)
	if err != nil {
		return err
	}
	if held && holder != userID {
		return taken(d, v)
	}
	u, err := c.User.Get(ctx, userID)
	if err != nil {
		return apperr.Classify(err)
	}
	old, err := c.LegacyID.Query().Where(legacyid.UserID(userID), legacyid.DialectEQ(d)).Only(ctx)
	switch {
	case err == nil && old.Value == v:
		return nil
	case err == nil:
		if err := c.LegacyID.UpdateOne(old).ClearUserID().Exec(ctx); err != nil {
			return apperr.Wrap(err, "reserving a replaced legacy id")
		}
	case !ent.IsNotFound(err):
		return apperr.Wrap(err, "reading legacy ids")
	}
	if v != Derived(u, d) {
		err := c.LegacyID.Create().SetDialect(d).SetValue(v).SetUserID(userID).Exec(ctx)
		if ent.IsConstraintError(err) {
			return taken(d, v)
		}
		if err != nil {
			return apperr.Wrap(err, "storing a legacy id")
		}
	}
	return nil
}

// Reserve makes v in d an id nobody ever receives (a person deleted in the
// legacy system). Reserving a reserved id does nothing. For the integer
// dialects the user-id sequence moves above v.
//
// Returns invalid for a malformed v and conflict (ReasonTaken) when a user
// holds it.
func Reserve(ctx context.Context, c *ent.Client, d legacyid.Dialect, v string) error {
	return reserve(ctx, c, d, v, false)
}

func reserve(ctx context.Context, c *ent.Client, d legacyid.Dialect, v string, claimable bool) error {
	holder, held, err := Holder(ctx, c, d, v)
	if err != nil {
		return err
	}
	if held && holder != 0 {
		return taken(d, v)
	}
	if !held {
		err := c.LegacyID.Create().SetDialect(d).SetValue(v).SetClaimable(claimable).
			OnConflictColumns(legacyid.FieldDialect, legacyid.FieldValue).DoNothing().Exec(ctx)
		if err != nil && !ent.IsNotFound(err) { // DoNothing on a conflict reports no row
			return apperr.Wrap(err, "reserving a legacy id")
		}
	}
	if n, ok := parseInteger(v); ok && integer(d) {
		return EnsureSequenceAbove(ctx, c, n)
	}
	return nil
}

// EnsureSequenceAbove moves the user-id sequence so that the next user
// created without an explicit id gets an id above maxID; a sequence already
// past it stays where it is (ids are never handed out twice). Both the
// integer dialects derive their ids from it, so an id stored or kept by an
// import is never derived by a later user.
func EnsureSequenceAbove(ctx context.Context, c *ent.Client, maxID int) error {
	if maxID <= 0 {
		return nil
	}
	var err error
	switch c.Dialect() {
	case dialect.Postgres:
		// pg_sequence_last_value is NULL until the first nextval; setval
		// with is_called true makes the next value max+1.
		err = c.ExecSQL(ctx, `SELECT setval(s, $1) FROM (SELECT pg_get_serial_sequence('users', 'id')::regclass AS s) AS q
WHERE COALESCE(pg_sequence_last_value(s), 0) < $1`, maxID)
	case dialect.SQLite:
		// AUTOINCREMENT hands out max(seq, largest id) + 1.
		if err = c.ExecSQL(ctx, `UPDATE sqlite_sequence SET seq = ? WHERE name = 'users' AND seq < ?`, maxID, maxID); err == nil {
			err = c.ExecSQL(ctx, `INSERT INTO sqlite_sequence (name, seq) SELECT 'users', ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users')`, maxID)
		}
	default:
		err = fmt.Errorf("legacyids: no user-id sequence on dialect %s", c.Dialect())
	}
	if err != nil {
		return apperr.Wrap(err, "moving the user-id sequence")
	}
	return nil
}
