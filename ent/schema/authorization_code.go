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

// AuthorizationCode is an OAuth authorization code between the consent
// screen and the token endpoint, with the request it answers (the PKCE
// challenge travels in a pkce row under the same signature). Only
// the code's SHA-256 is stored; a code is used once.
type AuthorizationCode struct{ ent.Schema }

// Mixin of the AuthorizationCode.
func (AuthorizationCode) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of the AuthorizationCode.
func (AuthorizationCode) Fields() []ent.Field {
	return []ent.Field{
		field.Bool("pkce").Default(false).Immutable().
			Comment("the row holds the PKCE challenge of the code of the same signature"),
		field.String("signature").Immutable().Sensitive().MaxLen(64),
		field.String("grant_id").Immutable().MaxLen(64),
		field.Int("user_id").Immutable(),
		field.Int("application_id").Immutable(),
		field.Bytes("request").Immutable().Sensitive().
			Comment("the authorization request as JSON: scopes, redirect URI, PKCE challenge"),
		field.Time("expires_at").Immutable(),
		field.Bool("used").Default(false),
	}
}

// Edges of the AuthorizationCode.
func (AuthorizationCode) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("authorization_codes").Unique().Required().Immutable().Field("user_id"),
		edge.From("application", Application.Type).Ref("authorization_codes").Unique().Required().Immutable().
			Field("application_id"),
	}
}

// Indexes of the AuthorizationCode.
func (AuthorizationCode) Indexes() []ent.Index {
	return []ent.Index{index.Fields("pkce", "signature").Unique(), index.Fields("expires_at")}
}

// Annotations of the AuthorizationCode.
func (AuthorizationCode) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(7)},
		entgql.Skip(entgql.SkipAll),
	}
}
