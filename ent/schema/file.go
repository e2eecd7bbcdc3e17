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
		// Declared so that an import into an empty store can keep the
		// primary keys it moves (SetID); every other writer leaves it to
		// the database.
		field.Int("id").Immutable(),
		field.Int("owner_id").Immutable().Annotations(entgql.Skip()),
		field.Enum("kind").Values("user_file", "avatar", "temporary").
			Comment("What the file is for.").
			Annotations(GQLEnum{
				Type: "What a file is for.",
				Values: map[string]string{
					"user_file": "A file the user uploaded, counted in the quota of its nature.",
					"avatar":    "The user's avatar image.",
					"temporary": "An upload waiting to be adopted as an avatar; it expires.",
				},
			}),
		field.Enum("nature").Values("manual", "auto").Default("manual").
			Comment("How a user file came to be; each nature has its own quota.").
			Annotations(GQLEnum{
				Type: "How a user file came to be; each nature has its own quota.",
				Values: map[string]string{
					"manual": "Uploaded by the user (the default).",
					"auto":   "Produced automatically, e.g. by a scenario.",
				},
			}),
		field.String("name").NotEmpty().MaxLen(MaxFileNameLen).
			Comment("Original file name, sanitized: no path, no control characters.").
			Annotations(entgql.OrderField("NAME")),
		field.String("content_type").NotEmpty().
			Comment("Media type sniffed from the bytes, e.g. image/png."),
		field.String("file_type").Default("").
			Comment("Lowercased extension without the dot, e.g. json."),
		field.Int64("size").NonNegative().
			Comment("Size in bytes."),
		field.String("sha256").MaxLen(64).
			Comment("SHA-256 of the bytes, in lowercase hexadecimal."),
		field.String("storage_key").Unique().Immutable().Annotations(entgql.Skip()),
		field.String("scenario_id").Optional().Nillable().
			Comment("The scenario the file belongs to, if any (set at upload)."),
		field.Time("expires_at").Optional().Nillable().
			Comment("When a temporary file is removed unless adopted; null for other files."),
	}
}

// Edges of the File.
func (File) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("files").Unique().Required().Immutable().
			Field("owner_id").
			Comment("The user who owns the file."),
		edge.To("avatar_of", User.Type).Unique().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip()),
	}
}

// Indexes of the File: the quota scans a user's files of one kind and nature
// oldest first; a page of users reads the first files of each in id order
// (relay.LimitPerOwner).
func (File) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("owner_id", "kind", "nature", "created_at"),
		index.Fields("owner_id", "id"),
		index.Fields("kind", "expires_at"),
	}
}

// Annotations of the File.
func (File) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(1)},
		entgql.RelayConnection(),
		schema.Comment("A stored file's metadata: a user file, an avatar or a temporary upload. Its bytes are downloaded from `url`."),
	}
}
