package relay

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// LimitPerOwner keeps, of the rows a nested connection's query selects, the
// first limit of each owner (each value of ownerColumn) in the order
// orderBy: the page of every parent of a list (a user's files on a page of
// users) in one statement.
//
// It is installed as a query modifier, which ent applies to the selector
// after every predicate (the loader's `owner IN (...)`, the where-input and
// the cursors), so s selects exactly the candidate rows.
//
// The rows are read owner by owner, each owner's by an index scan that
// stops at the limit (the files index on (owner_id, id)): on PostgreSQL by
// a LATERAL join from the owners to the first rows of each, on SQLite by a
// join of each owner to the ids of its first rows (a correlated subquery
// with a LIMIT, which SQLite runs once per owner). Numbering the rows
// with ROW_NUMBER() instead (entgql.LimitPerRow, kept for the other
// dialects) reads every row of every owner on the page: a user with
// 100,000 files slowed every page showing them (BenchmarkPageWithAHeavyOwner
// and TestPerOwnerPageReadsOnlyItsLimit in graph). The EXPLAIN test in
// graph (TestNestedPagePlans) fails on a sequential scan.
func LimitPerOwner(ownerColumn string, limit int, orderBy ...sql.Querier) func(*sql.Selector) {
	return func(s *sql.Selector) {
		switch d := s.Dialect(); d {
		case dialect.Postgres, dialect.SQLite:
			if o, ok := s.Context().Value(ownersKey{}).(*Owners); ok && o.Column == ownerColumn {
				o.perOwner(s, limit, orderBy)
				return
			}
			page := s.Clone().SetDistinct(false)
			page.Where(sql.ColumnsEQ(page.C(ownerColumn), sql.Dialect(d).Table("owners").C(ownerColumn)))
			perOwner(s, distinctOwners(s, ownerColumn), page, limit, orderBy)
		default:
			entgql.LimitPerRow(ownerColumn, limit, orderBy...)(s)
		}
	}
}

// Owners restricts the rows of a planned set (ent/template/ent/plan.tmpl)
// to those whose Column matches SetColumn of a row of Set, the set of
// their owners, named in the same statement: its Predicate is
// "Column = ANY(ARRAY(SELECT SetColumn FROM Set))" on PostgreSQL and
// "Column IN (SELECT SetColumn FROM Set)" on SQLite.
//
// A per-owner page (LimitPerOwner) of such a set reads its owners from Set
// itself, and its Predicate becomes the join's condition instead. Taking
// the owners from the table's own rows (SELECT DISTINCT owner FROM t
// WHERE ...) would read every row of every owner on the page before any
// limit on PostgreSQL, which has no skip scan (TestPerOwnerPageReadsOnlyItsLimit);
// and on SQLite each reference to a set is one more cursor towards its
// limit (ent/template/ent/plan.tmpl, planMaxWeightSQLite).
type Owners struct {
	Column    string // the owner column of the set's table
	Set       string // the owners' set, a common table expression
	SetColumn string // the column of Set that Column matches
	lateral   bool   // a per-owner page joins its rows to Set
}

type ownersKey struct{}

// WithOwners returns ctx carrying o, for the selector of the set o
// restricts (sql.Selector.WithContext): LimitPerOwner finds it there.
func WithOwners(ctx context.Context, o *Owners) context.Context {
	return context.WithValue(ctx, ownersKey{}, o)
}

// Predicate is the restriction of s, the set's selector, to the owners'
// rows. It is rendered when the statement is built, after the modifiers
// have run, so it takes the form of the query it ends up in.
func (o *Owners) Predicate(s *sql.Selector) *sql.Predicate {
	d := sql.Dialect(s.Dialect())
	return sql.P(func(b *sql.Builder) {
		if o.lateral {
			b.Ident(s.C(o.Column)).WriteString(" = ").Ident(d.Table("owners").C(o.Column))
			return
		}
		owners := d.Select(d.Table(o.Set).C(o.SetColumn)).From(d.Table(o.Set))
		if s.Dialect() != dialect.Postgres {
			b.Ident(s.C(o.Column)).WriteString(" IN ").Wrap(func(b *sql.Builder) { b.Join(owners) })
			return
		}
		// = ANY(ARRAY(...)) and not IN (...): the owners are an array
		// known before the scan, which PostgreSQL looks up through an
		// index, where it would hash a semi-join over a sequential scan
		// of the table for IN (TestNestedPagePlans).
		b.Ident(s.C(o.Column)).WriteString(" = ANY(ARRAY").Wrap(func(b *sql.Builder) { b.Join(owners) }).WriteByte(')')
	})
}

// perOwner is LimitPerOwner with the owners read from o.Set, distinct
// (the owners of a to-one edge may repeat), and o's Predicate as the
// join's condition.
func (o *Owners) perOwner(s *sql.Selector, limit int, orderBy []sql.Querier) {
	d := sql.Dialect(s.Dialect())
	set := d.Table(o.Set)
	owners := d.Select(sql.As(set.C(o.SetColumn), o.Column)).Distinct().From(set)
	o.lateral = true
	perOwner(s, owners, s.Clone().SetDistinct(false), limit, orderBy)
}

// distinctOwners selects the owners of s's rows, each once, in a column
// named ownerColumn, for a load edge by edge (ent's loader hands the
// modifier its owners only inside the WHERE: "owner IN (...)").
//
// SQLite skips from one owner to the next through the (owner, id) index.
// PostgreSQL has no skip scan (before version 18): SELECT DISTINCT reads
// every row of every owner, 100,000 for a user with 100,000 files. So on
// PostgreSQL the owners are found one after the other, each the first
// owner past the one before it, by a recursive query whose every step is
// one index probe that stops at the first row:
//
//	WITH RECURSIVE "o"("owner") AS (
//	  (SELECT "t"."owner" FROM t WHERE w ORDER BY "t"."owner" LIMIT 1)
//	  UNION ALL
//	  SELECT (SELECT "t"."owner" FROM t WHERE w AND "t"."owner" > "o"."owner"
//	          ORDER BY "t"."owner" LIMIT 1) FROM "o" WHERE "o"."owner" IS NOT NULL)
//	SELECT "owner" FROM "o" WHERE "owner" IS NOT NULL
func distinctOwners(s *sql.Selector, ownerColumn string) sql.Querier {
	if s.Dialect() != dialect.Postgres {
		owners := s.Clone()
		owners.Select(owners.C(ownerColumn)).Distinct()
		owners.ClearOrder()
		return owners
	}
	d := sql.Dialect(dialect.Postgres)
	prev := d.Table("o").C(ownerColumn)
	step := func(after bool) *sql.Selector {
		q := s.Clone().SetDistinct(false)
		q.Select(q.C(ownerColumn)).ClearOrder()
		if after {
			q.Where(sql.ColumnsGT(q.C(ownerColumn), prev))
		}
		return q.OrderBy(q.C(ownerColumn)).Limit(1)
	}
	first, next := step(false), step(true)
	return sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("WITH RECURSIVE ").Ident("o").Wrap(func(b *sql.Builder) { b.Ident(ownerColumn) }).WriteString(" AS ")
		b.Wrap(func(b *sql.Builder) {
			b.Wrap(func(b *sql.Builder) { b.Join(first) })
			b.WriteString(" UNION ALL SELECT ").Wrap(func(b *sql.Builder) { b.Join(next) })
			b.WriteString(" FROM ").Ident("o").WriteString(" WHERE ").Ident(prev).WriteString(" IS NOT NULL")
		})
		b.WriteString(" SELECT ").Ident(ownerColumn).WriteString(" FROM ").Ident("o").
			WriteString(" WHERE ").Ident(ownerColumn).WriteString(" IS NOT NULL")
	})
}

// perOwner rewrites s, `SELECT cols FROM t WHERE w`, given owners (the
// owners' values, in a column named as t's owner column) and page (s with
// the condition "t.owner = owners.owner"), as
//
//	WITH "per_owner" AS (
//	  SELECT "t".cols FROM (owners) AS "owners"
//	  CROSS JOIN LATERAL (page ORDER BY o LIMIT n) AS "t")   -- PostgreSQL
//	  JOIN t ON "t"."id" IN (page's ids ORDER BY o LIMIT n)  -- SQLite
//	SELECT cols FROM "per_owner" AS "t" ORDER BY o
//
// The outer query reads from a table aliased as t, as entgql's form does,
// because predicates are rendered lazily and some (the cursors') ask s for
// its columns then: they must still get "t".column. The CTE is inlined.
// The outer ORDER BY keeps each owner's rows in page order whatever join
// order the planner picks (the loader groups them by owner). On SQLite,
// the inner "t" of the subquery hides the outer one, and its ids are ent's
// id column, which every table of the schema has.
func perOwner(s *sql.Selector, owners sql.Querier, page *sql.Selector, limit int, orderBy []sql.Querier) {
	d := sql.Dialect(s.Dialect())
	table := s.TableName()
	page.OrderExpr(orderBy...).Limit(limit)
	if s.Dialect() != dialect.Postgres {
		page.Select(page.C("id"))
	}
	t := d.Table(table)
	unqualified := s.UnqualifiedColumns()
	qualified := make([]string, len(unqualified))
	for i, c := range unqualified {
		qualified[i] = t.C(c)
	}
	joined := d.Select(qualified...).
		FromExpr(sql.ExprFunc(func(b *sql.Builder) {
			b.Wrap(func(b *sql.Builder) { b.Join(owners) })
			b.WriteString(" AS ").Ident("owners")
			if s.Dialect() == dialect.Postgres {
				b.WriteString(" CROSS JOIN LATERAL ")
				b.Wrap(func(b *sql.Builder) { b.Join(page) })
				b.WriteString(" AS ").Ident(table)
				return
			}
			b.WriteString(" JOIN ").Ident(table).WriteString(" ON ").Ident(t.C("id")).WriteString(" IN ")
			b.Wrap(func(b *sql.Builder) { b.Join(page) })
		}))
	*s = *d.Select(unqualified...).
		From(d.Table("per_owner").As(table)).
		OrderExpr(orderBy...).
		Prefix(d.With("per_owner").As(joined))
}
