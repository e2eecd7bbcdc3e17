package legacyids

import (
	"context"
	"strconv"
	"strings"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/ent/predicate"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
)

// IDs are the ids one user shows in the four dialects.
type IDs struct {
	Eduplatform int
	Edufocus    string
	Usersv1     string
	Maarch      int
}

// In is the id u shows in d: the one stored for it (imported), else the
// derived one. A loaded legacy_ids edge is read instead of the database.
func In(ctx context.Context, c *ent.Client, u *ent.User, d legacyid.Dialect) (string, error) {
	if loaded, err := u.Edges.LegacyIdsOrErr(); err == nil {
		for _, l := range loaded {
			if l.Dialect == d {
				return l.Value, nil
			}
		}
		return Derived(u, d), nil
	}
	v, err := c.LegacyID.Query().Where(legacyid.UserID(u.ID), legacyid.DialectEQ(d)).
		Select(legacyid.FieldValue).String(ctx)
	switch {
	case ent.IsNotFound(err):
		return Derived(u, d), nil
	case err != nil:
		return "", apperr.Wrap(err, "reading legacy ids")
	}
	return v, nil
}

// Of is the ids u shows in every dialect.
func Of(ctx context.Context, c *ent.Client, u *ent.User) (IDs, error) {
	m, err := OfUsers(ctx, c, []*ent.User{u})
	return m[u.ID], err
}

// batch bounds the user ids of one OfUsers statement: SQLite takes at most
// 32,766 parameters in one statement.
const batch = 30000

// OfUsers is Of for a list of users, keyed by user id, in one statement
// (one per 30,000 users) whatever the list's length: lists and GraphQL
// pages call it once per page, never once per user. Users whose legacy_ids
// edge is loaded (UserQuery.WithLegacyIds, as a GraphQL page asking for
// them does) cost nothing more.
func OfUsers(ctx context.Context, c *ent.Client, users []*ent.User) (map[int]IDs, error) {
	out := make(map[int]IDs, len(users))
	ids := make([]int, 0, len(users))
	for _, u := range users {
		out[u.ID] = IDs{Eduplatform: u.ID, Edufocus: u.PublicID, Usersv1: usersV1Prefix + u.PublicID, Maarch: u.ID}
		if loaded, err := u.Edges.LegacyIdsOrErr(); err == nil {
			apply(out, loaded)
			continue
		}
		ids = append(ids, u.ID)
	}
	for len(ids) > 0 {
		n := min(len(ids), batch)
		rows, err := c.LegacyID.Query().Where(legacyid.UserIDIn(ids[:n]...)).
			Select(legacyid.FieldUserID, legacyid.FieldDialect, legacyid.FieldValue).All(ctx)
		if err != nil {
			return nil, apperr.Wrap(err, "reading legacy ids")
		}
		apply(out, rows)
		ids = ids[n:]
	}
	return out, nil
}

// apply puts stored ids over the derived ones of their users in out.
func apply(out map[int]IDs, rows []*ent.LegacyID) {
	for _, r := range rows {
		if r.UserID == nil {
			continue
		}
		x, ok := out[*r.UserID]
		if !ok {
			continue
		}
		switch r.Dialect {
		case legacyid.DialectEduplatform:
			x.Eduplatform, _ = strconv.Atoi(r.Value)
		case legacyid.DialectEdufocus:
			x.Edufocus = r.Value
		case legacyid.DialectUsersv1:
			x.Usersv1 = r.Value
		case legacyid.DialectMaarch:
			x.Maarch, _ = strconv.Atoi(r.Value)
		}
		out[*r.UserID] = x
	}
}

// Holder tells who holds v in d: held is true when a user shows it there
// (userID is that user's), when it is reserved (userID 0), or when it is
// the public id of a user who now shows an imported one (a string id stays
// its user's). An integer a user showed until an import replaced it is not
// held. Returns invalid when v is no valid id of d (Valid).
func Holder(ctx context.Context, c *ent.Client, d legacyid.Dialect, v string) (userID int, held bool, err error) {
	if err := Valid(d, v); err != nil {
		return 0, false, err
	}
	row, err := c.LegacyID.Query().Where(legacyid.DialectEQ(d), legacyid.Value(v)).Only(ctx)
	switch {
	case err == nil:
		if row.UserID == nil {
			return 0, true, nil
		}
		return *row.UserID, true, nil
	case !ent.IsNotFound(err):
		return 0, false, apperr.Wrap(err, "reading legacy ids")
	}
	id, err := c.User.Query().Where(derivedHolder(d, v)).OnlyID(ctx)
	switch {
	case ent.IsNotFound(err):
		return 0, false, nil
	case err != nil:
		return 0, false, apperr.Wrap(err, "reading users")
	}
	return id, true, nil
}

// derivedHolder matches the user whose derived id in d is v and holds it
// (see Holder). v must be valid.
func derivedHolder(d legacyid.Dialect, v string) predicate.User {
	switch d {
	case legacyid.DialectEdufocus:
		return user.PublicID(v)
	case legacyid.DialectUsersv1:
		return user.PublicID(strings.TrimPrefix(v, usersV1Prefix))
	default:
		n, _ := parseInteger(v)
		return user.And(user.ID(n), user.Not(user.HasLegacyIdsWith(legacyid.DialectEQ(d))))
	}
}

// UserFor resolves a dialect's path id: the user holding v in d (Holder),
// found in one statement. Returns not found when nobody does: v is
// malformed, unknown, reserved, or an integer its user no longer shows
// since an import replaced it. A user's public id keeps resolving in the
// string dialects after an import gave it another id there.
func UserFor(ctx context.Context, c *ent.Client, d legacyid.Dialect, v string) (*ent.User, error) {
	if Valid(d, v) != nil {
		return nil, apperr.ErrNotFound
	}
	stored := user.HasLegacyIdsWith(legacyid.DialectEQ(d), legacyid.Value(v))
	derived := derivedHolder(d, v)
	us, err := c.User.Query().Where(user.Or(stored, derived)).Limit(2).All(ctx)
	if err != nil {
		return nil, apperr.Wrap(err, "reading users")
	}
	switch len(us) {
	case 0:
		return nil, apperr.ErrNotFound
	case 1:
		return us[0], nil
	}
	// Only a store written around these rules holds v twice; the stored
	// row, which the database keeps unique, wins over a derived id.
	if Derived(us[0], d) == v {
		return us[1], nil
	}
	return us[0], nil
}
