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

// MaxLegacyIDLen bounds a stored legacy id: the longest valid one is a
// users-v1 id ("usr_" and eight characters); the column leaves room.
const MaxLegacyIDLen = 64

// LegacyID is an id one legacy dialect shows and accepts for a user, stored
// only where it differs from the id the dialect derives from the user
// (internal/rules/legacyids): an imported id, or a reservation. A row
// without a user is reserved: nobody may ever receive that id in that
// dialect (a person deleted in the legacy system, or a deleted user).
type LegacyID struct{ ent.Schema }

// Fields of the LegacyID.
func (LegacyID) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("dialect").Values("eduplatform", "edufocus", "usersv1", "maarch").Immutable().
			Comment("The dialect whose clients know the id."),
		field.String("value").NotEmpty().MaxLen(MaxLegacyIDLen).Immutable().
			Comment("The id in the dialect's canonical text form (decimal for the integer dialects)."),
		field.Int("user_id").Optional().Nillable().
			Comment("The user holding the id; null: reserved, never given to anyone."),
		field.Bool("claimable").Default(false).
			Comment("A reservation an import made for a person its source could not bring in (a Maarch row without a usable e-mail, a person deleted there): the import that brings that person with this very id claims it. The ids of a user deleted here are never claimable."),
	}
}

// Edges of the LegacyID.
func (LegacyID) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("legacy_ids").Unique().Field("user_id"),
	}
}

// Indexes of the LegacyID: the database refuses two holders of one id in
// one dialect, reservations included, and a second id of one user in one
// dialect (NULL user ids, the reservations, are distinct in both SQLite and
// PostgreSQL unique indexes).
func (LegacyID) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("dialect", "value").Unique(),
		index.Fields("user_id", "dialect").Unique(),
	}
}

// Annotations of the LegacyID.
func (LegacyID) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(8)},
		entgql.Skip(entgql.SkipAll),
	}
}
