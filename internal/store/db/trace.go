package db

import (
	"context"
	"database/sql"
	"strings"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracingDriver opens one client span per statement, child of the
// request's span, named for the statement's verb and carrying its text with
// placeholders (never the arguments, which hold personal data). It is
// only installed when tracing is on (OpenTraced), so the default costs
// nothing.
type tracingDriver struct {
	dialect.Driver
	t      trace.Tracer
	system string
}

func newTracingDriver(drv dialect.Driver, tp trace.TracerProvider) tracingDriver {
	system := drv.Dialect()
	if system == dialect.Postgres {
		system = "postgresql"
	}
	return tracingDriver{Driver: drv, t: tp.Tracer("userbridge/db"), system: system}
}

func (d tracingDriver) Exec(ctx context.Context, query string, args, v any) error {
	ctx, span := statementSpan(ctx, d.t, d.system, query)
	return endSpan(span, d.Driver.Exec(ctx, query, args, v))
}

func (d tracingDriver) Query(ctx context.Context, query string, args, v any) error {
	ctx, span := statementSpan(ctx, d.t, d.system, query)
	return endSpan(span, d.Driver.Query(ctx, query, args, v))
}

func (d tracingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return tracingTx{tx, d.t, d.system}, nil
}

// BeginTx keeps the transaction options (as countingDriver does).
func (d tracingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
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
	return tracingTx{tx, d.t, d.system}, nil
}

type tracingTx struct {
	dialect.Tx
	t      trace.Tracer
	system string
}

func (t tracingTx) Exec(ctx context.Context, query string, args, v any) error {
	ctx, span := statementSpan(ctx, t.t, t.system, query)
	return endSpan(span, t.Tx.Exec(ctx, query, args, v))
}

func (t tracingTx) Query(ctx context.Context, query string, args, v any) error {
	ctx, span := statementSpan(ctx, t.t, t.system, query)
	return endSpan(span, t.Tx.Query(ctx, query, args, v))
}

func statementSpan(ctx context.Context, t trace.Tracer, system, query string) (context.Context, trace.Span) {
	verb := statementVerb(query)
	return t.Start(ctx, verb, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("db.system.name", system),
		attribute.String("db.operation.name", verb),
		attribute.String("db.query.text", query),
	))
}

func endSpan(span trace.Span, err error) error {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "statement failed")
	}
	span.End()
	return err
}

// statementVerb is the statement's first word, upper case ("SELECT").
func statementVerb(query string) string {
	q := strings.TrimLeft(query, " \t\r\n(")
	if i := strings.IndexAny(q, " \t\r\n("); i > 0 {
		q = q[:i]
	}
	if len(q) > 16 {
		q = q[:16]
	}
	return strings.ToUpper(q)
}

// Pools are the store's database/sql pools by name, for pool statistics
// (collectors.NewDBStatsCollector): "main" on PostgreSQL, "writer" and
// "reader" on SQLite.
func (s *Store) Pools() map[string]*sql.DB { return s.pools }
