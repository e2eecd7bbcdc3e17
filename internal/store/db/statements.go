package db

import (
	"context"
	"database/sql"
	"sync/atomic"

	"entgo.io/ent/dialect"
)

// countingDriver counts every statement the store runs, inside transactions
// too, so that /metrics can tell how many SQL statements a request costs
// (userbridge_sql_statements_total). BEGIN, COMMIT and ROLLBACK are not
// counted: only the statements the service itself issues.
type countingDriver struct {
	dialect.Driver
	n *atomic.Uint64
}

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Query(ctx, query, args, v)
}

func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return countingTx{tx, d.n}, nil
}

// BeginTx keeps the transaction options of drivers that take them (ent's
// client.BeginTx looks for this method).
func (d countingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{tx, d.n}, nil
}

type countingTx struct {
	dialect.Tx
	n *atomic.Uint64
}

func (t countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Query(ctx, query, args, v)
}

// Statements returns how many SQL statements the store has run since it
// was opened.
func (s *Store) Statements() uint64 { return s.statements.Load() }
