package relay

import (
	"context"
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
	t.Run("PostgreSQL: a LATERAL join from the owners, found one after the other, to each one's first rows", func(t *testing.T) {
		s := filesOfOwners(dialect.Postgres)
		LimitPerOwner("owner_id", 5, byID)(s)
		q, args := s.Query()
		want := `WITH "per_owner" AS (SELECT "files"."id", "files"."name", "files"."owner_id" FROM ` +
			`(WITH RECURSIVE "o"("owner_id") AS (` +
			`(SELECT "files"."owner_id" FROM "files" WHERE "files"."owner_id" IN ($1, $2, $3) ORDER BY "files"."owner_id" LIMIT 1) ` +
			`UNION ALL SELECT (SELECT "files"."owner_id" FROM "files" WHERE "files"."owner_id" IN ($4, $5, $6) AND "files"."owner_id" > "o"."owner_id" ORDER BY "files"."owner_id" LIMIT 1) ` +
			`FROM "o" WHERE "o"."owner_id" IS NOT NULL) SELECT "owner_id" FROM "o" WHERE "owner_id" IS NOT NULL) AS "owners" ` +
			`CROSS JOIN LATERAL (SELECT "files"."id", "files"."name", "files"."owner_id" FROM "files" ` +
			`WHERE "files"."owner_id" IN ($7, $8, $9) AND "files"."owner_id" = "owners"."owner_id" ORDER BY "id" ASC LIMIT 5) AS "files") ` +
			`SELECT "id", "name", "owner_id" FROM "per_owner" AS "files" ORDER BY "id" ASC`
		if q != want || len(args) != 9 || s.Err() != nil {
			t.Fatalf("got %s %v %v\nwant %s", q, args, s.Err(), want)
		}
	})
	t.Run("PostgreSQL: a predicate that asks the selector for a column when rendered (cursors) still gets it", func(t *testing.T) {
		s := filesOfOwners(dialect.Postgres)
		s.Where(sql.P(func(b *sql.Builder) { b.Ident(s.C("id")).WriteString(" > ").Arg(7) }))
		LimitPerOwner("owner_id", 5, byID)(s)
		q, args := s.Query()
		if !strings.Contains(q, `AND "files"."id" > $12 AND "files"."owner_id" = "owners"."owner_id"`) || len(args) != 12 || s.Err() != nil {
			t.Fatalf("got %s %v %v", q, args, s.Err())
		}
	})
	t.Run("PostgreSQL, a planned set: the owners are its owners' set, and its restriction the join's condition", func(t *testing.T) {
		b := sql.Dialect(dialect.Postgres)
		tf := b.Table("files")
		s := b.Select(tf.C("id"), tf.C("name"), tf.C("owner_id")).From(tf)
		o := &Owners{Column: "owner_id", Set: "p0", SetColumn: "id"}
		s.WithContext(WithOwners(context.Background(), o))
		s.Where(sql.And(o.Predicate(s), sql.GT(s.C("size"), 7)))
		LimitPerOwner("owner_id", 5, byID)(s)
		q, args := s.Query()
		want := `WITH "per_owner" AS (SELECT "files"."id", "files"."name", "files"."owner_id" FROM ` +
			`(SELECT DISTINCT "p0"."id" AS "owner_id" FROM "p0") AS "owners" ` +
			`CROSS JOIN LATERAL (SELECT "files"."id", "files"."name", "files"."owner_id" FROM "files" ` +
			`WHERE "files"."owner_id" = "owners"."owner_id" AND "files"."size" > $1 ORDER BY "id" ASC LIMIT 5) AS "files") ` +
			`SELECT "id", "name", "owner_id" FROM "per_owner" AS "files" ORDER BY "id" ASC`
		if q != want || len(args) != 1 || s.Err() != nil {
			t.Fatalf("got %s %v %v\nwant %s", q, args, s.Err(), want)
		}
	})
	t.Run("PostgreSQL, a planned set with no per-owner page: its owners are an array of its owners' set", func(t *testing.T) {
		b := sql.Dialect(dialect.Postgres)
		tf := b.Table("files")
		s := b.Select(tf.C("id")).From(tf)
		o := &Owners{Column: "id", Set: "p0", SetColumn: "avatar_id"}
		s.WithContext(WithOwners(context.Background(), o))
		s.Where(o.Predicate(s))
		LimitPerOwner("owner_id", 5, byID)(b.Select(tf.C("id")).From(tf)) // another selector's modifier changes nothing here
		if q, _ := s.Query(); q != `SELECT "files"."id" FROM "files" WHERE "files"."id" = ANY(ARRAY(SELECT "p0"."avatar_id" FROM "p0"))` {
			t.Fatalf("got %s", q)
		}
	})
	t.Run("PostgreSQL, a planned set cut per owner on another column: the owners come from its rows", func(t *testing.T) {
		b := sql.Dialect(dialect.Postgres)
		tf := b.Table("files")
		s := b.Select(tf.C("id"), tf.C("owner_id")).From(tf)
		o := &Owners{Column: "id", Set: "p0", SetColumn: "avatar_id"}
		s.WithContext(WithOwners(context.Background(), o))
		s.Where(o.Predicate(s))
		LimitPerOwner("owner_id", 5, byID)(s)
		q, _ := s.Query()
		if !strings.Contains(q, `(SELECT "files"."owner_id" FROM "files" WHERE "files"."id" = ANY(ARRAY(SELECT "p0"."avatar_id" FROM "p0")) ORDER BY "files"."owner_id" LIMIT 1)`) {
			t.Fatalf("got %s", q)
		}
	})
	t.Run("SQLite: each owner joined to the ids of its first rows", func(t *testing.T) {
		s := filesOfOwners(dialect.SQLite)
		LimitPerOwner("owner_id", 5, byID)(s)
		q, args := s.Query()
		want := "WITH `per_owner` AS (SELECT `files`.`id`, `files`.`name`, `files`.`owner_id` FROM " +
			"(SELECT DISTINCT `files`.`owner_id` FROM `files` WHERE `files`.`owner_id` IN (?, ?, ?)) AS `owners` " +
			"JOIN `files` ON `files`.`id` IN (SELECT `files`.`id` FROM `files` " +
			"WHERE `files`.`owner_id` IN (?, ?, ?) AND `files`.`owner_id` = `owners`.`owner_id` ORDER BY `id` ASC LIMIT 5)) " +
			"SELECT `id`, `name`, `owner_id` FROM `per_owner` AS `files` ORDER BY `id` ASC"
		if q != want || len(args) != 6 || s.Err() != nil {
			t.Fatalf("got %s %v %v\nwant %s", q, args, s.Err(), want)
		}
	})
	t.Run("other dialects: rows numbered per owner after the same WHERE", func(t *testing.T) {
		s := filesOfOwners(dialect.MySQL)
		LimitPerOwner("owner_id", 5, byID)(s)
		if q, _ := s.Query(); !strings.Contains(q, "ROW_NUMBER() OVER (PARTITION BY `owner_id` ORDER BY `id` ASC)") {
			t.Fatalf("got %s", q)
		}
	})
}
