// Hand-written, not generated: entc leaves this file alone.

package ent

import (
	"context"
	"fmt"
	"sync"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"userbridge/ent/application"
	"userbridge/ent/credential"
	"userbridge/ent/user"
)

// QueryByTokenHash returns the credential whose token hash is hash, with its
// user and its application (either may be absent) loaded as edges. A
// missing credential is a *NotFoundError, as from Only.
//
// Authentication runs it on every request, and the generated way,
// Query().Where(...).WithUser().WithApplication(), cost twice what it had
// to (bench/README.md): a statement per edge, each a round trip on
// PostgreSQL, and each statement's SQL built anew, 31 quoted columns, which
// took more CPU than SQLite took to run it. Here the SQL is built once per
// dialect, and rows are scanned and assigned by each entity's generated
// code, so fields, defaults and types are the ones every other query sees.
// On PostgreSQL it is one statement, credentials LEFT JOIN users LEFT JOIN
// applications; on SQLite, where a statement is a function call, the join
// ran slower than narrow statements (BenchmarkAuthenticateBearer in auth:
// about 128 µs against 35), so it stays a statement per entity there.
func (c *CredentialClient) QueryByTokenHash(ctx context.Context, hash string) (*Credential, error) {
	d := c.driver.Dialect()
	if d != dialect.Postgres {
		return c.queryByTokenHashApart(ctx, hash)
	}
	rows := &sql.Rows{}
	if err := c.driver.Query(ctx, cachedQuery(d, "token-join", tokenJoin), []any{hash}, rows); err != nil {
		return nil, err
	}
	defer rows.Close()

	var found *Credential
	for rows.Next() {
		if found != nil {
			return nil, &NotSingularError{credential.Label}
		}
		cv, _ := (*Credential)(nil).scanValues(credential.Columns)
		uv, _ := (*User)(nil).scanValues(user.Columns)
		av, _ := (*Application)(nil).scanValues(application.Columns)
		if err := rows.Scan(append(append(cv, uv...), av...)...); err != nil {
			return nil, err
		}
		cr := &Credential{config: c.config}
		cr.Edges.loadedTypes = [2]bool{true, true}
		if err := cr.assignValues(credential.Columns, cv); err != nil {
			return nil, err
		}
		if present(uv) {
			cr.Edges.User = &User{config: c.config}
			if err := cr.Edges.User.assignValues(user.Columns, uv); err != nil {
				return nil, err
			}
		}
		if present(av) {
			cr.Edges.Application = &Application{config: c.config}
			if err := cr.Edges.Application.assignValues(application.Columns, av); err != nil {
				return nil, err
			}
		}
		found = cr
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if found == nil {
		return nil, &NotFoundError{credential.Label}
	}
	return found, nil
}

// queryByTokenHashApart is QueryByTokenHash in a statement per entity: the
// credential, then its user and its application when it names them.
func (c *CredentialClient) queryByTokenHashApart(ctx context.Context, hash string) (*Credential, error) {
	d := c.driver.Dialect()
	cr := &Credential{config: c.config}
	if err := scanOnly(ctx, c.driver, cachedQuery(d, "token", tokenAlone), hash, credential.Label, credential.Columns, cr); err != nil {
		return nil, err
	}
	cr.Edges.loadedTypes = [2]bool{true, true}
	var err error
	if cr.Edges.User, err = scanByID(ctx, c.driver, user.Table, user.Label, user.Columns,
		cr.UserID, &User{config: c.config}); err != nil {
		return nil, err
	}
	if cr.Edges.Application, err = scanByID(ctx, c.driver, application.Table, application.Label, application.Columns,
		cr.ApplicationID, &Application{config: c.config}); err != nil {
		return nil, err
	}
	return cr, nil
}

// scanByID assigns the row of table whose id is *id to e and returns e, or
// the zero E (nil) when id is nil or names no row.
func scanByID[E scannable](ctx context.Context, drv dialect.Driver, table, label string, columns []string, id *int, e E) (E, error) {
	var none E
	if id == nil {
		return none, nil
	}
	switch err := scanOnly(ctx, drv, cachedQuery(drv.Dialect(), table, byID(table, columns)), *id, label, columns, e); {
	case IsNotFound(err):
		return none, nil
	case err != nil:
		return none, err
	}
	return e, nil
}

// scannable is an entity's generated row scanning.
type scannable interface {
	scanValues(columns []string) ([]any, error)
	assignValues(columns []string, values []any) error
}

// scanOnly runs query (one argument) and assigns its one row to e: a
// *NotFoundError without rows, a *NotSingularError with more than one.
func scanOnly(ctx context.Context, drv dialect.Driver, query string, arg any, label string, columns []string, e scannable) error {
	rows := &sql.Rows{}
	if err := drv.Query(ctx, query, []any{arg}, rows); err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if n++; n > 1 {
			return &NotSingularError{label}
		}
		values, err := e.scanValues(columns)
		if err != nil {
			return err
		}
		if err := rows.Scan(values...); err != nil {
			return err
		}
		if err := e.assignValues(columns, values); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n == 0 {
		return &NotFoundError{label}
	}
	return nil
}

// queries holds SQL built once per dialect and name.
var queries sync.Map

// cachedQuery returns the SQL build makes for dialect d, building it once.
func cachedQuery(d, name string, build func(*sql.DialectBuilder) string) string {
	key := d + "/" + name
	if q, ok := queries.Load(key); ok {
		return q.(string)
	}
	q := build(sql.Dialect(d))
	queries.Store(key, q)
	return q
}

// tokenJoin is credentials LEFT JOIN users LEFT JOIN applications on the
// token hash (its one argument).
func tokenJoin(b *sql.DialectBuilder) string {
	var (
		ct   = b.Table(credential.Table).As("c")
		ut   = b.Table(user.Table).As("u")
		at   = b.Table(application.Table).As("a")
		cols = append(append(ct.Columns(credential.Columns...), ut.Columns(user.Columns...)...), at.Columns(application.Columns...)...)
	)
	q, _ := b.Select(cols...).From(ct).
		LeftJoin(ut).On(ct.C(credential.FieldUserID), ut.C(user.FieldID)).
		LeftJoin(at).On(ct.C(credential.FieldApplicationID), at.C(application.FieldID)).
		Where(sql.EQ(ct.C(credential.FieldTokenHash), "")).
		Limit(2).
		Query()
	return q
}

// tokenAlone is the credential of a token hash (its one argument).
func tokenAlone(b *sql.DialectBuilder) string {
	t := b.Table(credential.Table)
	q, _ := b.Select(t.Columns(credential.Columns...)...).From(t).
		Where(sql.EQ(t.C(credential.FieldTokenHash), "")).Limit(2).Query()
	return q
}

// byID is the row of table whose id is the one argument.
func byID(table string, columns []string) func(*sql.DialectBuilder) string {
	return func(b *sql.DialectBuilder) string {
		t := b.Table(table)
		q, _ := b.Select(t.Columns(columns...)...).From(t).Where(sql.EQ(t.C("id"), 0)).Query()
		return q
	}
}

// present tells a joined row from the NULLs of a LEFT JOIN that matched
// nothing: the first column of every entity is its id.
func present(values []any) bool {
	id, ok := values[0].(*sql.NullInt64)
	if !ok {
		panic(fmt.Sprintf("ent: unexpected id column type %T", values[0]))
	}
	return id.Valid
}
