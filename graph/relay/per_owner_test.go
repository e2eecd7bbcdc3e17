package relay

import (
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// filesOfOwners is the selector ent's loader hands the modifier: a user's
// files, of three users.
func filesOfOwners(d string) *sql.Selector {
	b := sql.Dialect(d)
	t := b.Table("files")
	s := b.Select(t.C("id"), t.C("name"), t.C("owner_id")).From(t)
	s.Where(sql.InValues(s.C("owner_id"), 1, 2, 3))
	return s
}

var byID = sql.ExprFunc(func(b *sql.Builder) { b.Ident("id").Pad().WriteString("ASC") })

func TestLimitPerOwner(t *testing.T) {
	t.Run("PostgreSQL: a LATERAL join from the owners to each one's first rows", func(t *testing.T) {
		s := filesOfOwners(dialect.Postgres)
		LimitPerOwner("owner_id", 5, byID)(s)
		q, args := s.Query()
		want := `WITH "per_owner" AS (SELECT "files"."id", "files"."name", "files"."owner_id" FROM ` +
			`(SELECT DISTINCT "files"."owner_id" FROM "files" WHERE "files"."owner_id" IN ($1, $2, $3)) AS "owners" ` +
			`CROSS JOIN LATERAL (SELECT "files"."id", "files"."name", "files"."owner_id" FROM "files" ` +
			`WHERE "files"."owner_id" IN ($4, $5, $6) AND "files"."owner_id" = "owners"."owner_id" ORDER BY "id" ASC LIMIT 5) AS "files") ` +
			`SELECT "id", "name", "owner_id" FROM "per_owner" AS "files" ORDER BY "id" ASC`
		if q != want || len(args) != 6 || s.Err() != nil {
			t.Fatalf("got %s %v %v\nwant %s", q, args, s.Err(), want)
		}
	})
	t.Run("PostgreSQL: a predicate that asks the selector for a column when rendered (cursors) still gets it", func(t *testing.T) {
		s := filesOfOwners(dialect.Postgres)
		s.Where(sql.P(func(b *sql.Builder) { b.Ident(s.C("id")).WriteString(" > ").Arg(7) }))
		LimitPerOwner("owner_id", 5, byID)(s)
		q, args := s.Query()
		if !strings.Contains(q, `AND "files"."id" > $8 AND "files"."owner_id" = "owners"."owner_id"`) || len(args) != 8 || s.Err() != nil {
			t.Fatalf("got %s %v %v", q, args, s.Err())
		}
	})
	t.Run("SQLite: rows numbered per owner after the same WHERE", func(t *testing.T) {
		s := filesOfOwners(dialect.SQLite)
		LimitPerOwner("owner_id", 5, byID)(s)
		q, args := s.Query()
		if !strings.Contains(q, "ROW_NUMBER() OVER (PARTITION BY `owner_id` ORDER BY `id` ASC)") ||
			!strings.Contains(q, "WHERE `files`.`owner_id` IN (?, ?, ?)") || len(args) != 3+1 {
			t.Fatalf("got %s %v", q, args)
		}
	})
}
