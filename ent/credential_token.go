// Hand-written, not generated: entc leaves this file alone.

package ent

import (
	"context"
	"fmt"

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
// Authentication runs it on every request. The generated way,
// Query().Where(...).WithUser().WithApplication(), costs a statement per
// edge: on PostgreSQL a round trip each, which the benchmark harness showed
// on every read (bench/README.md). There it is one statement, credentials
// LEFT JOIN users LEFT JOIN applications, scanned and assigned by each
// entity's generated code, so fields, defaults and types are the ones every
// other query sees. On SQLite, where a statement is a function call, the
// generated way stays: the 46-column join runs slower there than the two
// narrow statements (BenchmarkAuthenticateBearer in auth: about 125 µs
// against 80 µs; PostgreSQL 180-220 µs against 235-255 µs).
func (c *CredentialClient) QueryByTokenHash(ctx context.Context, hash string) (*Credential, error) {
	if c.driver.Dialect() != dialect.Postgres {
		return c.Query().Where(credential.TokenHash(hash)).WithUser().WithApplication().Only(ctx)
	}
	var (
		b    = sql.Dialect(c.driver.Dialect())
		ct   = b.Table(credential.Table).As("c")
		ut   = b.Table(user.Table).As("u")
		at   = b.Table(application.Table).As("a")
		cols = append(append(ct.Columns(credential.Columns...), ut.Columns(user.Columns...)...), at.Columns(application.Columns...)...)
	)
	query, args := b.Select(cols...).From(ct).
		LeftJoin(ut).On(ct.C(credential.FieldUserID), ut.C(user.FieldID)).
		LeftJoin(at).On(ct.C(credential.FieldApplicationID), at.C(application.FieldID)).
		Where(sql.EQ(ct.C(credential.FieldTokenHash), hash)).
		Limit(2).
		Query()
	rows := &sql.Rows{}
	if err := c.driver.Query(ctx, query, args, rows); err != nil {
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

// present tells a joined row from the NULLs of a LEFT JOIN that matched
// nothing: the first column of every entity is its id.
func present(values []any) bool {
	id, ok := values[0].(*sql.NullInt64)
	if !ok {
		panic(fmt.Sprintf("ent: unexpected id column type %T", values[0]))
	}
	return id.Valid
}
