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

// MaxSignatureBytes bounds one decoded signature image.
const MaxSignatureBytes = 1 << 20

// Signature is a user's signature image, possibly on behalf of an external
// application (Maarch externalSignatures). The set for one (user,
// application) is replaced as a whole.
type Signature struct{ ent.Schema }

// Mixin of the Signature.
func (Signature) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of the Signature.
func (Signature) Fields() []ent.Field {
	return []ent.Field{
		field.Int("owner_id").Immutable().Annotations(entgql.Skip()),
		field.String("external_application").Optional().Nillable().MaxLen(255).
			Comment("The external application the signature is kept for; null for a signature made inside the service."),
		field.String("format").NotEmpty().MaxLen(32).
			Comment("Image format, e.g. png or jpeg."),
		field.Bytes("data").MaxLen(MaxSignatureBytes).Annotations(entgql.Skip()),
	}
}

// Edges of the Signature.
func (Signature) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("signatures").Unique().Required().Immutable().
			Field("owner_id").
			Comment("The user whose signature it is."),
	}
}

// Indexes of the Signature.
func (Signature) Indexes() []ent.Index {
	return []ent.Index{index.Fields("owner_id", "external_application")}
}

// Annotations of the Signature.
func (Signature) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(2)},
		schema.Comment("A user's signature image, possibly kept for an external application; the set for one user and application is replaced as a whole."),
	}
}
