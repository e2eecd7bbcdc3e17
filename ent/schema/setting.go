package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// Setting is one platform-wide value every replica must agree on, such as
// the secret that signs download links when none is configured. Rows are
// created race-free (insert, on conflict do nothing, re-read) and never
// exposed through GraphQL.
type Setting struct{ ent.Schema }

// Fields of the Setting.
func (Setting) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").Unique().Immutable().NotEmpty().MaxLen(64),
		field.String("value").Sensitive(),
	}
}

// Annotations of the Setting.
func (Setting) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(5)},
		entgql.Skip(entgql.SkipAll),
	}
}
