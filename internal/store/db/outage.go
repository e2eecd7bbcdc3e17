package db

import (
	"context"
	"database/sql"

	"entgo.io/ent/dialect"
)

// outageDriver classifies, on every statement and transaction, a database
// that cannot be reached as apperr.Unavailable, and tells health (which
// logs an outage once). Every rule above the store then sees the same
// kind, whichever query hit the outage first: the credential lookup of a
// request, a resolver's read, a commit, the readiness probe.
type outageDriver struct {
	dialect.Driver
	h *health
}

func (d outageDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.h.observe(d.Driver.Exec(ctx, query, args, v))
}

func (d outageDriver) Query(ctx context.Context, query string, args, v any) error {
	return d.h.observe(d.Driver.Query(ctx, query, args, v))
}

func (d outageDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, d.h.observe(err)
	}
	return outageTx{tx, d.h}, nil
}

// BeginTx keeps the transaction options of drivers that take them (ent's
// client.BeginTx looks for this method).
func (d outageDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, d.h.observe(err)
	}
	return outageTx{tx, d.h}, nil
}

type outageTx struct {
	dialect.Tx
	h *health
}

func (t outageTx) Exec(ctx context.Context, query string, args, v any) error {
	return t.h.observe(t.Tx.Exec(ctx, query, args, v))
}

func (t outageTx) Query(ctx context.Context, query string, args, v any) error {
	return t.h.observe(t.Tx.Query(ctx, query, args, v))
}

func (t outageTx) Commit() error { return t.h.observe(t.Tx.Commit()) }
