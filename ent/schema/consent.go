package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Consent remembers what a user approved on the consent screen for one
// application: a later request for the same scopes (or fewer) is not asked
// again, a wider one is. Revoking the application deletes it.
type Consent struct{ ent.Schema }

// Mixin of the Consent.
func (Consent) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}, UpdatedAt{}} }

// Fields of the Consent.
func (Consent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Int("application_id").Immutable(),
		field.Strings("scopes").Comment("the scopes approved, all requests together"),
	}
}

// Edges of the Consent.
func (Consent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("consents").Unique().Required().Immutable().Field("user_id"),
		edge.From("application", Application.Type).Ref("consents").Unique().Required().Immutable().
			Field("application_id"),
	}
}

// Indexes of the Consent: one per user and application.
func (Consent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "application_id").Unique()}
}

// Annotations of the Consent.
func (Consent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(6)},
		entgql.Skip(entgql.SkipAll),
	}
}
