package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// now returns the current time in UTC, truncated to microseconds so SQLite
// and PostgreSQL store and return the same instant.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// CreatedAt adds an immutable creation time, orderable in GraphQL.
type CreatedAt struct{ mixin.Schema }

// Fields of the CreatedAt mixin.
func (CreatedAt) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Immutable().Default(now).
			Comment("When the object was created (UTC).").
			Annotations(entgql.OrderField("CREATED_AT")),
	}
}

// UpdatedAt adds a modification time, refreshed on every update.
type UpdatedAt struct{ mixin.Schema }

// Fields of the UpdatedAt mixin.
func (UpdatedAt) Fields() []ent.Field {
	return []ent.Field{
		field.Time("updated_at").Default(now).UpdateDefault(now).
			Comment("When the object was last changed (UTC).").
			Annotations(entgql.OrderField("UPDATED_AT")),
	}
}

// incrementStart places each entity in its own range of 2^32 ids so that an
// integer id alone tells the entity type (GraphQL node ids). Users come first
// so their ids stay small, as the legacy clients saw them.
func incrementStart(rank int) *int {
	v := rank << 32
	return &v
}
