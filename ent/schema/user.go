package schema

import (
	"regexp"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"userbridge/randid"
)

// LoginPattern is the shape of a Maarch login (stored as its ident.Key).
var LoginPattern = regexp.MustCompile(`^[\w.@-]+$`)

// User is the one person (or technical account) every dialect reads and writes.
type User struct{ ent.Schema }

// Mixin of the User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}, UpdatedAt{}} }

// Fields of the User. Scope-guarded fields (email, names) are declared by hand
// in graph/user.graphqls, so they are skipped from the generated type.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("public_id").Immutable().Unique().DefaultFunc(randid.PublicID).
			Match(regexp.MustCompile(`^[A-Za-z0-9]{8}$`)),
		field.String("email").NotEmpty().MaxLen(254).
			Annotations(entgql.OrderField("EMAIL"), entgql.Skip(entgql.SkipType)),
		field.String("email_key").Unique().
			Comment("ident.Key of email (NFKC, case-folded): the unique key").
			Annotations(entgql.Skip()),
		field.String("username").NotEmpty().MaxLen(64),
		field.String("username_key").Unique().
			Comment("ident.Key of username (NFKC, case-folded): the unique key").
			Annotations(entgql.Skip()),
		field.String("login").NotEmpty().MaxLen(255).Unique().Match(LoginPattern),
		field.String("first_name").Default("").MaxLen(255).
			Annotations(entgql.OrderField("FIRST_NAME"), entgql.Skip(entgql.SkipType)),
		field.String("last_name").Default("").MaxLen(255).
			Annotations(entgql.OrderField("LAST_NAME"), entgql.Skip(entgql.SkipType)),
		field.String("display_name").Optional().Nillable().MaxLen(255).
			Comment("users-v1 name when set explicitly; else first + last").
			Annotations(entgql.Skip()),
		field.String("password_hash").Optional().Sensitive().
			Annotations(entgql.Skip()),
		field.Enum("role").Values("user", "admin").Default("user"),
		field.Int("flags").Default(0).NonNegative().
			Comment("bit set: 0x1 administrator (mirrors role), 0x2 association member"),
		field.Strings("privileges").Optional().
			Comment("named privileges such as manage_users; admins hold all"),
		field.Enum("status").Values("active", "suspended", "banned").Default("active"),
		field.Bool("verified").Default(false),
		field.Enum("mode").Values("standard", "rest").Default("standard"),
		field.Int("avatar_id").Optional().Nillable().Annotations(entgql.Skip()),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("files", File.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.RelayConnection()),
		edge.From("avatar", File.Type).Ref("avatar_of").Unique().Field("avatar_id"),
		edge.To("signatures", Signature.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("credentials", Credential.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip()),
	}
}

// Indexes of the User.
func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("last_name", "first_name"),
		index.Fields("created_at"),
	}
}

// Annotations of the User. The check constraint is the single truth that
// role "admin" and flag 0x1 are one fact: the database refuses any row where
// they disagree.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{
			IncrementStart: incrementStart(0),
			Checks: map[string]string{
				"user_role_matches_admin_flag": "((role = 'admin') = ((flags & 1) = 1))",
			},
		},
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
