package schema

import (
	"context"
	"errors"
	"strconv"

	"entgo.io/ent"

	gen "userbridge/ent"
	"userbridge/ent/hook"
	"userbridge/ent/legacyid"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/randid"
)

// The User's legacy-id hooks keep the rules of internal/rules/legacyids
// whoever writes users: no user is created deriving an id stored for
// someone else (or reserved), and a deleted user's ids stay reserved.

// publicIDDraws bounds how many public ids a creation draws before giving
// up: a draw that is stored as a legacy id is one in 62^8 per stored id.
const publicIDDraws = 8

// avoidLegacyIDs runs before a user is inserted: its public id (Edu-Focus
// id, and Users API v1 id after "usr_") is drawn again while it is stored
// as a legacy id in either string dialect, and an explicit primary key
// (an import moving a store) that is stored as an education-platform or
// Maarch id is refused (conflict, legacy_id_taken). A user created
// without an id needs no check of its integer ids: Assign and Reserve keep
// the sequence above every stored one.
func avoidLegacyIDs(next ent.Mutator) ent.Mutator {
	return hook.UserFunc(func(ctx context.Context, m *gen.UserMutation) (ent.Value, error) {
		id, idSet := m.ID()
		if pid, ok := m.PublicID(); ok && checkedBefore(ctx, pid, id, idSet) {
			return next.Mutate(ctx, m)
		}
		for range publicIDDraws {
			pid, _ := m.PublicID()
			clash := legacyid.Or(
				legacyid.And(legacyid.DialectEQ(legacyid.DialectEdufocus), legacyid.Value(pid)),
				legacyid.And(legacyid.DialectEQ(legacyid.DialectUsersv1), legacyid.Value("usr_"+pid)))
			if idSet {
				clash = legacyid.Or(clash, legacyid.And(
					legacyid.DialectIn(legacyid.DialectEduplatform, legacyid.DialectMaarch),
					legacyid.Value(strconv.Itoa(id))))
			}
			rows, err := m.Client().LegacyID.Query().Where(clash).All(ctx)
			if err != nil {
				return nil, err
			}
			if len(rows) == 0 {
				return next.Mutate(ctx, m)
			}
			for _, r := range rows {
				if r.Dialect == legacyid.DialectEduplatform || r.Dialect == legacyid.DialectMaarch {
					return nil, apperr.ConflictOn("id", "legacy_id_taken",
						"user id "+strconv.Itoa(id)+" is held as a "+string(r.Dialect)+" id by another user or reserved")
				}
			}
			m.SetPublicID(randid.PublicID())
		}
		return nil, apperr.Wrap(errors.New("every public id drawn is a stored legacy id"), "drawing a public id")
	})
}

// checkedKey carries the users whose ids a bulk writer has checked itself
// (CheckedLegacyIDs).
type checkedKey struct{}

// CheckedLegacyIDs tells avoidLegacyIDs that the caller has already made,
// in the transaction ctx belongs to, the checks it would make for the
// users it is about to create: for each public id in checked, none of
// its string-dialect forms is stored as a legacy id, and the primary key
// it maps to (0: none set) is stored in neither integer dialect. An
// importer checks a whole batch in one statement instead of one per user
// (internal/importer, BenchmarkImportPeople). Only a creation whose public
// id and primary key are exactly those checked skips the hook's read:
// any other user created with this ctx is checked as usual.
func CheckedLegacyIDs(ctx context.Context, checked map[string]int) context.Context {
	return context.WithValue(ctx, checkedKey{}, checked)
}

// checkedBefore tells whether the caller checked this public id with this
// primary key (CheckedLegacyIDs).
func checkedBefore(ctx context.Context, pid string, id int, idSet bool) bool {
	checked, _ := ctx.Value(checkedKey{}).(map[string]int)
	want, ok := checked[pid]
	if !ok {
		return false
	}
	if !idSet {
		return want == 0
	}
	return want == id
}

// reserveLegacyIDs runs before users are deleted: every id they hold
// becomes reserved. Their stored rows lose their user (the foreign key's
// ON DELETE SET NULL); their derived ids (integer ids they still show, and
// their public ids) are stored as reservations.
func reserveLegacyIDs(next ent.Mutator) ent.Mutator {
	return hook.UserFunc(func(ctx context.Context, m *gen.UserMutation) (ent.Value, error) {
		ids, err := m.IDs(ctx)
		if err != nil || len(ids) == 0 {
			return next.Mutate(ctx, m)
		}
		c := m.Client()
		users, err := c.User.Query().Where(user.IDIn(ids...)).
			Select(user.FieldID, user.FieldPublicID).
			WithLegacyIds(func(q *gen.LegacyIDQuery) {
				q.Select(legacyid.FieldUserID, legacyid.FieldDialect)
			}).All(ctx)
		if err != nil {
			return nil, err
		}
		var rows []*gen.LegacyIDCreate
		for _, u := range users {
			stored := map[legacyid.Dialect]bool{}
			for _, l := range u.Edges.LegacyIds {
				stored[l.Dialect] = true
			}
			reserve := map[legacyid.Dialect]string{
				legacyid.DialectEdufocus: u.PublicID,
				legacyid.DialectUsersv1:  "usr_" + u.PublicID,
			}
			for _, d := range []legacyid.Dialect{legacyid.DialectEduplatform, legacyid.DialectMaarch} {
				if !stored[d] {
					reserve[d] = strconv.Itoa(u.ID)
				}
			}
			for d, v := range reserve {
				rows = append(rows, c.LegacyID.Create().SetDialect(d).SetValue(v))
			}
		}
		if len(rows) > 0 {
			err := c.LegacyID.CreateBulk(rows...).
				OnConflictColumns(legacyid.FieldDialect, legacyid.FieldValue).DoNothing().Exec(ctx)
			if err != nil {
				return nil, err
			}
		}
		return next.Mutate(ctx, m)
	})
}
