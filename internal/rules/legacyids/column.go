package legacyids

import (
	"entgo.io/ent/dialect/sql"

	"userbridge/ent/legacyid"
	"userbridge/ent/user"
)

// ColumnIn appends to a selection of users the column of the id they show
// in the integer dialect d (In: the stored one, else the primary key), so
// that a list of every user reads its ids in the same statement as the
// users themselves, without holding ent.User values for OfUsers (the Maarch
// list). The column scans into an int.
func ColumnIn(d legacyid.Dialect) func(*sql.Selector) {
	return func(s *sql.Selector) {
		l := sql.Table(legacyid.Table).As("shown_" + string(d))
		sub := sql.Dialect(s.Dialect()).Select().From(l).
			Where(sql.And(
				sql.ColumnsEQ(l.C(legacyid.FieldUserID), s.C(user.FieldID)),
				sql.EQ(l.C(legacyid.FieldDialect), string(d))))
		sub.Select("CAST(" + l.C(legacyid.FieldValue) + " AS INTEGER)")
		s.AppendSelectExpr(sql.ExprFunc(func(b *sql.Builder) {
			b.WriteString("COALESCE((").Join(sub).WriteString("), ").WriteString(s.C(user.FieldID)).WriteString(")")
		}))
	}
}
