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

// File is a stored blob's metadata: a user file (with a quota), an avatar, or
// a temporary upload waiting to be adopted. The bytes live in the blob store
// under storage_key, never under a path built from user input.
type File struct{ ent.Schema }

// Mixin of the File.
func (File) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of the File.
func (File) Fields() []ent.Field {
	return []ent.Field{
		field.Int("owner_id").Immutable().Annotations(entgql.Skip()),
		field.Enum("kind").Values("user_file", "avatar", "temporary"),
		field.Enum("nature").Values("manual", "auto").Default("manual"),
		field.String("name").NotEmpty().MaxLen(255).
			Comment("original file name, sanitized").
			Annotations(entgql.OrderField("NAME")),
		field.String("content_type").NotEmpty(),
		field.String("file_type").Default("").
			Comment("lowercased extension without the dot"),
		field.Int64("size").NonNegative(),
		field.String("sha256").MaxLen(64),
		field.String("storage_key").Unique().Immutable().Annotations(entgql.Skip()),
		field.String("scenario_id").Optional().Nillable(),
		field.Time("expires_at").Optional().Nillable(),
	}
}

// Edges of the File.
func (File) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("files").Unique().Required().Immutable().
			Field("owner_id"),
		edge.To("avatar_of", User.Type).Unique().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip()),
	}
}

// Indexes of the File: the quota scans a user's files of one kind and nature
// oldest first.
func (File) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("owner_id", "kind", "nature", "created_at"),
		index.Fields("kind", "expires_at"),
	}
}

// Annotations of the File.
func (File) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(1)},
		entgql.RelayConnection(),
	}
}
