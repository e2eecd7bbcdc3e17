package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SigningKey is a key pair that signs OpenID Connect id_tokens. The private
// half is kept only encrypted (AES-256-GCM under a key derived from
// SECRET_KEY, with the kid as additional data), never in clear; the public
// half is kept as the JWK the JWKS endpoint publishes. A key signs from
// not_before until retire_at, and stays published for a while after, so
// that id_tokens it signed still verify.
type SigningKey struct{ ent.Schema }

// Mixin of the SigningKey.
func (SigningKey) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of the SigningKey.
func (SigningKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("kid").Unique().Immutable().NotEmpty().MaxLen(64),
		field.Enum("alg").Values("RS256", "ES256").Immutable(),
		field.Bytes("private_key").Immutable().Sensitive().
			Comment("PKCS #8 private key sealed with AES-256-GCM (nonce first) under a key derived from SECRET_KEY"),
		field.Bytes("public_jwk").Immutable().
			Comment("the public key as a JSON Web Key (RFC 7517), with kid, alg and use"),
		field.Time("not_before").Immutable().
			Comment("when the key starts signing"),
		field.Time("retire_at").Immutable().
			Comment("when the key stops signing; it is still published after, for tokens it signed"),
	}
}

// Indexes of the SigningKey.
func (SigningKey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("retire_at")}
}

// Annotations of the SigningKey: not exposed over GraphQL.
func (SigningKey) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(9)},
		entgql.Skip(entgql.SkipAll),
	}
}
