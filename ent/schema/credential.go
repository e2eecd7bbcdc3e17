package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Credential is an opaque bearer token, stored only as its SHA-256 hash. It
// belongs to a user (or none, for an application acting alone) and to an
// application (or none, for first-party tokens).
type Credential struct{ ent.Schema }

// Mixin of the Credential.
func (Credential) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of the Credential.
func (Credential) Fields() []ent.Field {
	return []ent.Field{
		field.String("token_hash").Unique().Immutable().Sensitive().Annotations(entgql.Skip()),
		field.Enum("kind").Values("access_token", "refresh_token", "api_key").Immutable(),
		field.Strings("scopes").Optional(),
		field.Bool("consented").Default(false),
		field.Int("user_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.Int("application_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.Time("expires_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
		field.Time("last_used_at").Optional().Nillable(),
	}
}

// Edges of the Credential.
func (Credential) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("credentials").Unique().Immutable().Field("user_id"),
		edge.From("application", Application.Type).Ref("credentials").Unique().Immutable().
			Field("application_id").Annotations(entgql.Skip()),
	}
}

// Annotations of the Credential.
func (Credential) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{IncrementStart: incrementStart(3)}}
}
