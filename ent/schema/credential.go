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

// Credential is an opaque bearer token, stored only as its SHA-256 hash. It
// belongs to a user (or none, for an application acting alone) and to an
// application (or none, for first-party tokens).
type Credential struct{ ent.Schema }

// Mixin of the Credential.
func (Credential) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of the Credential.
func (Credential) Fields() []ent.Field {
	return []ent.Field{
		// Declared so that an import into an empty store can keep the
		// primary keys it moves (SetID); every other writer leaves it to
		// the database.
		field.Int("id").Immutable(),
		field.String("token_hash").Unique().Immutable().Sensitive().Annotations(entgql.Skip()),
		field.Enum("kind").Values("access_token", "refresh_token", "api_key").Immutable().
			Comment("What the credential is.").
			Annotations(GQLEnum{
				Type: "What a credential is.",
				Values: map[string]string{ //nolint:gosec // G101: descriptions of the kinds, not credentials
					"access_token":  "A bearer token issued by login, the CLI or the OAuth flow of an application.",
					"refresh_token": "An OAuth refresh token, exchanged for a new access token.",
					"api_key":       "A long-lived API key made by createApiKey.",
				},
			}),
		field.Strings("scopes").Optional().
			Comment("The scopes granted: identity, email, personal, modify, files, signatures."),
		field.Bool("consented").Default(false).
			Comment("Whether the user consented on an authorization screen; first-party credentials and API keys count as consented."),
		field.Int("user_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.Int("application_id").Optional().Nillable().Immutable().Annotations(entgql.Skip()),
		field.Time("expires_at").Optional().Nillable().
			Comment("When the credential stops working; null: never."),
		field.Time("revoked_at").Optional().Nillable().
			Comment("When the credential was revoked; null: it is not."),
		field.Time("last_used_at").Optional().Nillable().
			Comment("When the credential last authenticated a request, roughly; null: never used."),
		field.String("grant_id").Optional().Nillable().Immutable().MaxLen(64).Annotations(entgql.Skip()).
			Comment("The OAuth grant (one authorization) the token belongs to: refresh-token rotation and reuse revoke by it."),
		field.Time("auth_time").Optional().Nillable().Immutable().Annotations(entgql.Skip()).
			Comment("When the user signed in for the OAuth grant: the auth_time of the id_tokens a refresh issues."),
	}
}

// Edges of the Credential.
func (Credential) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("credentials").Unique().Immutable().Field("user_id").
			Comment("The user the credential acts for; null for an application acting alone."),
		edge.From("application", Application.Type).Ref("credentials").Unique().Immutable().
			Field("application_id").Annotations(entgql.Skip()),
	}
}

// Indexes of the Credential.
func (Credential) Indexes() []ent.Index {
	return []ent.Index{index.Fields("grant_id")}
}

// Annotations of the Credential.
func (Credential) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(3)},
		schema.Comment("A credential of a user or an application: an access or refresh token, or an API key. The token itself is never shown again after it is issued."),
	}
}
