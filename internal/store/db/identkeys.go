package db

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"userbridge/ent/setting"
	"userbridge/ent/user"
	"userbridge/internal/rules/ident"
)

// IdentifierKeysSetting records the ident.Version the users' keys (email_key,
// username_key, login) were computed with; while it differs, Migrate
// recomputes them.
const IdentifierKeysSetting = "identifier_keys"

// keyColumns are the columns holding ident.Key of another column (login is
// its own key).
var keyColumns = []struct{ key, from, what string }{
	{user.FieldEmailKey, user.FieldEmail, "e-mail"},
	{user.FieldUsernameKey, user.FieldUsername, "username"},
	{user.FieldLogin, user.FieldLogin, "login"},
}

// ErrKeyCollision is returned (wrapped) when two existing users would share
// a key under the current normalisation.
var ErrKeyCollision = fmt.Errorf("users collide under the identifier normalisation")

// migrateIdentifierKeys recomputes the key columns of every user with
// ident.Key, in one transaction, unless the stored setting says they already
// are. Rows written before the normalisation (lowercase keys) get the keys
// today's writes would give them; display values are left as they are.
//
// Two users whose keys become equal are never merged nor renamed silently:
// the migration changes nothing and fails naming both ids, so that an
// operator decides which account keeps the identifier (change the other's
// e-mail, username or login in the database, then start again).
func (s *Store) migrateIdentifierKeys(ctx context.Context) (err error) {
	tx, err := s.driver.Tx(ctx)
	if err != nil {
		return fmt.Errorf("identifier keys: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			err = fmt.Errorf("identifier keys: %w", err)
			return
		}
		if cerr := tx.Commit(); cerr != nil {
			err = fmt.Errorf("identifier keys: committing: %w", cerr)
		}
	}()
	b := entsql.Dialect(s.Dialect)
	done, err := identifierKeysDone(ctx, tx, b)
	if err != nil || done {
		return err
	}
	rows, err := readUserIdentifiers(ctx, tx, b)
	if err != nil {
		return err
	}
	if err := findCollisions(rows); err != nil {
		return err
	}
	if err := rewriteKeys(ctx, tx, b, rows); err != nil {
		return err
	}
	q, args := b.Insert(setting.Table).Columns(setting.FieldKey, setting.FieldValue).
		Values(IdentifierKeysSetting, ident.Version).
		OnConflict(entsql.ConflictColumns(setting.FieldKey), entsql.ResolveWithNewValues()).Query()
	return tx.Exec(ctx, q, args, nil)
}

// identifierKeysDone reports whether the keys were computed by this
// ident.Version.
func identifierKeysDone(ctx context.Context, tx dialect.Tx, b *entsql.DialectBuilder) (bool, error) {
	q, args := b.Select(setting.FieldValue).From(entsql.Table(setting.Table)).
		Where(entsql.EQ(setting.FieldKey, IdentifierKeysSetting)).Query()
	var rows entsql.Rows
	if err := tx.Query(ctx, q, args, &rows); err != nil {
		return false, err
	}
	defer rows.Close()
	var v string
	if rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return false, err
		}
	}
	return v == ident.Version, rows.Err()
}

// userIdentifiers is one user's identifier columns: old[i] and new[i] hold
// keyColumns[i].key as stored and as it should be.
type userIdentifiers struct {
	id       int
	publicID string
	old, new [3]string
}

func readUserIdentifiers(ctx context.Context, tx dialect.Tx, b *entsql.DialectBuilder) ([]userIdentifiers, error) {
	q, args := b.Select(user.FieldID, user.FieldPublicID, user.FieldEmail, user.FieldEmailKey,
		user.FieldUsername, user.FieldUsernameKey, user.FieldLogin).
		From(entsql.Table(user.Table)).OrderBy(user.FieldID).Query()
	var rows entsql.Rows
	if err := tx.Query(ctx, q, args, &rows); err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []userIdentifiers
	for rows.Next() {
		var u userIdentifiers
		var email, username string
		if err := rows.Scan(&u.id, &u.publicID, &email, &u.old[0], &username, &u.old[1], &u.old[2]); err != nil {
			return nil, err
		}
		u.new = [3]string{ident.Key(email), ident.Key(username), ident.Key(u.old[2])}
		out = append(out, u)
	}
	return out, rows.Err()
}

// findCollisions returns ErrKeyCollision naming every group of users that
// would share a key.
func findCollisions(rows []userIdentifiers) error {
	var problems []string
	for i, c := range keyColumns {
		owners := map[string][]userIdentifiers{}
		for _, u := range rows {
			owners[u.new[i]] = append(owners[u.new[i]], u)
		}
		for _, us := range owners {
			if len(us) < 2 {
				continue
			}
			names := make([]string, len(us))
			for j, u := range us {
				names[j] = fmt.Sprintf("%d (public id %s)", u.id, u.publicID)
			}
			problems = append(problems, fmt.Sprintf("users %s share one %s", strings.Join(names, ", "), c.what))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return fmt.Errorf("%w: %s; nothing was changed: edit the %s column of all but one of them "+
		"in table %s, then start again", ErrKeyCollision, strings.Join(problems, "; "),
		"email, username or login", user.Table)
}

// rewriteKeys stores the new keys of the rows whose keys change: first a
// placeholder no key can equal ('#' appears in no e-mail domain, username or
// login), then the key, so that a row taking a key another row is giving up
// never meets the unique index midway.
func rewriteKeys(ctx context.Context, tx dialect.Tx, b *entsql.DialectBuilder, rows []userIdentifiers) error {
	var changed []userIdentifiers
	for _, u := range rows {
		if u.old != u.new {
			changed = append(changed, u)
		}
	}
	for phase := range 2 {
		for _, u := range changed {
			upd := b.Update(user.Table).Where(entsql.EQ(user.FieldID, u.id))
			for i, c := range keyColumns {
				if u.old[i] == u.new[i] {
					continue
				}
				v := u.new[i]
				if phase == 0 {
					v = "#migrating#" + strconv.Itoa(u.id)
				}
				upd.Set(c.key, v)
			}
			q, args := upd.Query()
			if err := tx.Exec(ctx, q, args, nil); err != nil {
				return fmt.Errorf("user %d: %w", u.id, err)
			}
		}
	}
	return nil
}
