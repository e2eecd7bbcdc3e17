package db

import (
	"context"
	"database/sql"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// splitDriver sends plain SELECTs outside transactions to the reader pool and
// everything else (writes, INSERT ... RETURNING, transactions) to the single
// writer connection.
type splitDriver struct {
	writer, reader *entsql.Driver
}

var _ dialect.Driver = (*splitDriver)(nil)

func isRead(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

func (d *splitDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.writer.Exec(ctx, query, args, v)
}

func (d *splitDriver) Query(ctx context.Context, query string, args, v any) error {
	if isRead(query) {
		return d.reader.Query(ctx, query, args, v)
	}
	return d.writer.Query(ctx, query, args, v)
}

func (d *splitDriver) Tx(ctx context.Context) (dialect.Tx, error) { return d.writer.Tx(ctx) }

// BeginTx starts a transaction on the writer with options.
func (d *splitDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	return d.writer.BeginTx(ctx, opts)
}

func (d *splitDriver) Close() error {
	werr := d.writer.Close()
	if err := d.reader.Close(); err != nil {
		return err
	}
	return werr
}

func (d *splitDriver) Dialect() string { return dialect.SQLite }
