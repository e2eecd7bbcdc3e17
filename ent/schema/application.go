package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"userbridge/internal/randid"
)

// Application is a client of the APIs (edu-focus). Its public id is 32
// characters; its secret is stored hashed.
type Application struct{ ent.Schema }

// Mixin of the Application.
func (Application) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of the Application.
func (Application) Fields() []ent.Field {
	return []ent.Field{
		field.String("client_id").Unique().Immutable().DefaultFunc(randid.AppID).
			Match(randid.AppIDPattern),
		field.String("name").NotEmpty().MaxLen(255),
		field.String("secret_hash").Sensitive().
			Comment("SHA-256 of the secret; empty for a public client, which has none"),
		field.Bool("verified").Default(false),
		field.Strings("permissions").Optional().
			Comment("special permissions such as users:read and users:write"),
		field.Bool("public").Default(false).
			Comment("an OAuth public client (no secret, PKCE required), such as a browser or mobile app"),
		field.Strings("redirect_uris").Optional().
			Comment("OAuth redirect URIs, matched exactly"),
		field.Strings("scopes").Optional().
			Comment("scopes the application may ask a user for on the consent screen"),
		field.Strings("post_logout_redirect_uris").Optional().
			Comment("OpenID Connect RP-initiated logout: where the end_session endpoint may send the browser back, matched exactly"),
		field.Strings("allowed_origins").Optional().
			Comment("browser origins (scheme://host[:port]) allowed by CORS on the token, userinfo, revocation and JWKS endpoints"),
	}
}

// Edges of the Application.
func (Application) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("credentials", Credential.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("consents", Consent.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("authorization_codes", AuthorizationCode.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Annotations of the Application: not exposed over GraphQL.
func (Application) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(4)},
		entgql.Skip(entgql.SkipAll),
	}
}
