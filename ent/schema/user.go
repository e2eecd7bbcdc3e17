package schema

import (
	"regexp"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"userbridge/internal/randid"
)

// LoginPattern is the shape of a Maarch login (stored as its ident.Key).
var LoginPattern = regexp.MustCompile(`^[\w.@-]+$`)

// User is the one person (or technical account) every dialect reads and writes.
type User struct{ ent.Schema }

// Mixin of the User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}, UpdatedAt{}} }

// Fields of the User. Scope-guarded fields (email, login, names) are declared by hand
// in graph/user.graphqls, so they are skipped from the generated type.
func (User) Fields() []ent.Field {
	return []ent.Field{
		// Declared so that an import into an empty store can keep the
		// primary keys it moves (SetID); every other writer leaves it to
		// the database.
		field.Int("id").Immutable(),
		field.String("public_id").Immutable().Unique().DefaultFunc(randid.PublicID).
			Match(randid.PublicIDPattern).
			Comment("Eight random characters from [A-Za-z0-9], case-sensitive: the Edu-Focus id; Users API v1 shows usr_ followed by it."),
		field.String("email").NotEmpty().MaxLen(MaxEmailLen).
			Annotations(entgql.OrderField("EMAIL"), entgql.Skip(entgql.SkipType)),
		field.String("email_key").Unique().
			Comment("ident.Key of email (NFKC, case-folded): the unique key").
			Annotations(entgql.Skip()),
		field.String("username").NotEmpty().MaxLen(usernameColumnLen).Validate(maxRunes(MaxUsernameLen)).
			Comment("Pseudonym, unique ignoring case; derived from the login or e-mail when not given."),
		field.String("username_key").Unique().
			Comment("ident.Key of username (NFKC, case-folded): the unique key").
			Annotations(entgql.Skip()),
		field.String("login").NotEmpty().MaxLen(MaxLoginLen).Unique().Match(LoginPattern).
			Comment("Lowercase login (letters, digits, _ . @ -), unique; the lowercased e-mail unless given.").
			Annotations(entgql.Skip(entgql.SkipType)),
		field.String("first_name").Default("").MaxRuneLen(MaxNameLen).
			Annotations(entgql.OrderField("FIRST_NAME"), entgql.Skip(entgql.SkipType)),
		field.String("last_name").Default("").MaxRuneLen(MaxNameLen).
			Annotations(entgql.OrderField("LAST_NAME"), entgql.Skip(entgql.SkipType)),
		field.String("display_name").Optional().Nillable().MaxRuneLen(MaxNameLen).
			Comment("users-v1 name when set explicitly; else first + last").
			Annotations(entgql.Skip()),
		field.String("password_hash").Optional().Sensitive().
			Annotations(entgql.Skip()),
		field.Enum("role").Values("user", "admin").Default("user").
			Comment("The user's role; ADMIN is the same fact as flag 0x1.").
			Annotations(GQLEnum{
				Type: "A user's role.",
				Values: map[string]string{
					"user":  "A regular user (the default).",
					"admin": "An administrator: holds every privilege; flag 0x1 is set with it.",
				},
			}),
		field.Int("flags").Default(0).NonNegative().
			Comment("Bit set: 0x1 administrator (mirrors role), 0x2 association member."),
		field.Strings("privileges").Optional().
			Comment("Named privileges such as manage_users; administrators hold all."),
		field.Enum("status").Values("active", "suspended", "banned").Default("active").
			Comment("Whether the user may sign in.").
			Annotations(GQLEnum{
				Type: "Whether a user may sign in.",
				Values: map[string]string{
					"active":    "The user may sign in (the default).",
					"suspended": "Temporarily blocked: the user's credentials do not work.",
					"banned":    "Banned by an administrator: the user's credentials do not work.",
				},
			}),
		field.Bool("verified").Default(false).
			Comment("Whether the e-mail address was verified."),
		field.Enum("mode").Values("standard", "rest").Default("standard").
			Comment("Whether the account is a person or a technical account for API use.").
			Annotations(GQLEnum{
				Type: "Whether an account is a person or a technical account.",
				Values: map[string]string{
					"standard": "A person (the default).",
					"rest":     "A technical account for API use (Maarch's REST mode).",
				},
			}),
		field.Int("avatar_id").Optional().Nillable().Annotations(entgql.Skip()),
		field.Time("sessions_revoked_at").Optional().Nillable().
			Comment("When every credential and screen session of the user was last revoked (a ban): a sign-in screen's session from before it stays ended after an unban.").
			Annotations(entgql.Skip()),
		field.JSON("import_times", map[string]time.Time{}).Optional().
			Comment("When the source an import took each field from last changed it: a later import of the same person keeps, field by field, the more recent value, whatever the order of the imports.").
			Annotations(entgql.Skip()),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("files", File.Type).
			Comment("The user's files: user files, avatar and temporary uploads. Needs scope files for a scoped token; another user's only with manage_users.").
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.RelayConnection()),
		edge.From("avatar", File.Type).Ref("avatar_of").Unique().Field("avatar_id").
			Comment("The user's avatar image, if any."),
		edge.To("signatures", Signature.Type).
			Comment("The user's signatures. Needs scope signatures for a scoped token; another user's only with manage_users.").
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("credentials", Credential.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip()),
		edge.To("consents", Consent.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip()),
		edge.To("authorization_codes", AuthorizationCode.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip()),
		edge.To("legacy_ids", LegacyID.Type).
			Comment("Ids imported for the legacy dialects; they stay, reserved, when the user is deleted.").
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip()),
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
		entgql.QueryField().Description("Every user, as a Relay connection. Needs scope identity and manage_users (an application: users:read)."),
		entgql.RelayConnection(),
		schema.Comment("A person or technical account: the one user every API reads and writes."),
	}
}
