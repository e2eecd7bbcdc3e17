package legacyids

import (
	"context"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/internal/apperr"
)

// Claim gives user userID the reserved id v in d. A source reserves the
// ids of a person it could not bring in (a Maarch row rejected for its
// e-mail): the import that later brings that person, with the same id,
// claims them. An id the user showed in d before is reserved in its turn,
// as Assign does.
//
// Returns conflict (ReasonTaken) when v is not reserved: held by a user,
// or not stored at all (Assign is the way to give a free id).
func Claim(ctx context.Context, c *ent.Client, userID int, d legacyid.Dialect, v string) error {
	if err := Valid(d, v); err != nil {
		return err
	}
	row, err := c.LegacyID.Query().
		Where(legacyid.DialectEQ(d), legacyid.Value(v), legacyid.UserIDIsNil()).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return taken(d, v)
	case err != nil:
		return apperr.Wrap(err, "reading legacy ids")
	}
	err = c.LegacyID.Update().Where(legacyid.UserID(userID), legacyid.DialectEQ(d)).ClearUserID().Exec(ctx)
	if err != nil {
		return apperr.Wrap(err, "reserving a replaced legacy id")
	}
	// Only while still reserved: a concurrent claim makes this one a
	// conflict, not a theft.
	n, err := c.LegacyID.Update().Where(legacyid.ID(row.ID), legacyid.UserIDIsNil()).SetUserID(userID).Save(ctx)
	switch {
	case ent.IsConstraintError(err):
		return taken(d, v)
	case err != nil:
		return apperr.Wrap(err, "claiming a reserved legacy id")
	case n == 0:
		return taken(d, v)
	}
	return nil
}
