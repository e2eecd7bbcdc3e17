package legacyids

import (
	"context"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/internal/apperr"
)

// ReserveClaimable reserves v in d for a person an import's source could
// not bring in (a Maarch row rejected for its e-mail, a person deleted
// there): nobody else receives it, and the import that brings that person
// with this very id claims it (Claim). An id already reserved otherwise
// stays as it is. Returns what Reserve returns.
func ReserveClaimable(ctx context.Context, c *ent.Client, d legacyid.Dialect, v string) error {
	return reserve(ctx, c, d, v, true)
}

// Claimable tells whether v in d is a reservation an import may claim.
func Claimable(ctx context.Context, c *ent.Client, d legacyid.Dialect, v string) (bool, error) {
	ok, err := c.LegacyID.Query().Where(legacyid.DialectEQ(d), legacyid.Value(v),
		legacyid.UserIDIsNil(), legacyid.Claimable(true)).Exist(ctx)
	if err != nil {
		return false, apperr.Wrap(err, "reading legacy ids")
	}
	return ok, nil
}

// Claim gives user userID the claimable reservation v in d
// (ReserveClaimable). An id the user showed in d before is reserved in its
// turn, as Assign does.
//
// Returns conflict (ReasonTaken) when v is not a claimable reservation:
// held by a user, reserved for good (a user deleted here), or not stored
// at all (Assign is the way to give a free id).
func Claim(ctx context.Context, c *ent.Client, userID int, d legacyid.Dialect, v string) error {
	if err := Valid(d, v); err != nil {
		return err
	}
	row, err := c.LegacyID.Query().
		Where(legacyid.DialectEQ(d), legacyid.Value(v), legacyid.UserIDIsNil(), legacyid.Claimable(true)).Only(ctx)
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
