package relay

import (
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
// On PostgreSQL the rows are read per owner, by a LATERAL join from the
// owners that have any to the first rows of each (the files index on
// (owner_id, id) serves each with an index scan that stops at the limit),
// instead of numbering all of their rows with a window function; the
// EXPLAIN test in graph (TestNestedPagePlans) fails on a sequential scan.
// Other dialects number the rows with ROW_NUMBER() (entgql.LimitPerRow),
// after the same WHERE.
func LimitPerOwner(ownerColumn string, limit int, orderBy ...sql.Querier) func(*sql.Selector) {
	return func(s *sql.Selector) {
		if s.Dialect() != dialect.Postgres {
			entgql.LimitPerRow(ownerColumn, limit, orderBy...)(s)
			return
		}
		lateralPerOwner(s, ownerColumn, limit, orderBy)
	}
}

// lateralPerOwner rewrites s, `SELECT cols FROM t WHERE w`, as
//
//	WITH "per_owner" AS (
//	  SELECT "t".cols FROM (SELECT DISTINCT "t"."owner" FROM t WHERE w) AS "owners"
//	  CROSS JOIN LATERAL (SELECT cols FROM t WHERE w AND "t"."owner" = "owners"."owner"
//	                      ORDER BY o LIMIT n) AS "t")
//	SELECT cols FROM "per_owner" AS "t" ORDER BY o
//
// The outer query reads from a table aliased as t, as entgql's form does,
// because predicates are rendered lazily and some (the cursors') ask s for
// its columns then: they must still get "t".column. PostgreSQL inlines the
// CTE. The outer ORDER BY keeps each owner's rows in page order whatever
// join order the planner picks (the loader groups them by owner).
func lateralPerOwner(s *sql.Selector, ownerColumn string, limit int, orderBy []sql.Querier) {
	d := sql.Dialect(dialect.Postgres)
	table := s.TableName()
	owners := s.Clone()
	owners.Select(owners.C(ownerColumn)).Distinct()
	owners.ClearOrder()
	page := s.Clone().SetDistinct(false)
	page.Where(sql.ColumnsEQ(page.C(ownerColumn), d.Table("owners").C(ownerColumn))).
		OrderExpr(orderBy...).Limit(limit)
	t := d.Table(table)
	unqualified := s.UnqualifiedColumns()
	qualified := make([]string, len(unqualified))
	for i, c := range unqualified {
		qualified[i] = t.C(c)
	}
	joined := d.Select(qualified...).
		FromExpr(sql.ExprFunc(func(b *sql.Builder) {
			b.Wrap(func(b *sql.Builder) { b.Join(owners) })
			b.WriteString(" AS ").Ident("owners").WriteString(" CROSS JOIN LATERAL ")
			b.Wrap(func(b *sql.Builder) { b.Join(page) })
			b.WriteString(" AS ").Ident(table)
		}))
	*s = *d.Select(unqualified...).
		From(d.Table("per_owner").As(table)).
		OrderExpr(orderBy...).
		Prefix(d.With("per_owner").As(joined))
}
