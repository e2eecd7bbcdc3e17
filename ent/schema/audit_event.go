package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/privacy"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"userbridge/internal/apperr"
)

// AuditEvent is one line of the audit trail: who did what to whom, through
// which transport, from where and when (docs/audit.md). It is written by
// package auditlog in the transaction of the action it records, and never
// changed afterwards: it names its actor and target by their public ids
// (text, not edges), so deleting a user or an application keeps the events
// that name it.
type AuditEvent struct{ ent.Schema }

// Fields of the AuditEvent. Every field is immutable: the row is written
// once. The kinds are text rather than an enum so that a new kind needs no
// migration; auditlog.Kinds lists them and Record refuses any other.
func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.String("kind").Immutable().NotEmpty().MaxLen(64).
			Comment("What happened, such as user.changed or signin.failed (docs/audit.md lists every kind)."),
		field.Time("occurred_at").Immutable().Default(now).
			Comment("When it happened (UTC).").
			Annotations(entgql.OrderField("OCCURRED_AT")),
		field.Enum("actor_kind").Values("user", "application", "operator", "anonymous").Immutable().
			Comment("Who acted.").
			Annotations(GQLEnum{
				Type: "Who acted in an audit event.",
				Values: map[string]string{
					"user":        "A user, through one of their credentials or a password.",
					"application": "An application acting alone, with its own secret.",
					"operator":    "The administration command line (or an import it ran).",
					"anonymous":   "Nobody signed in: a failed sign-in, an OAuth token request by code.",
				},
			}),
		field.String("actor_user").Optional().Immutable().MaxLen(64).
			Comment("The public id of the acting user; empty for none."),
		field.String("actor_application").Optional().Immutable().MaxLen(64).
			Comment("The client id of the application acted through; empty for none."),
		field.String("actor_credential").Optional().Immutable().MaxLen(32).
			Comment("The short id of the acting credential (tok_7, key_2, ref_3); empty for none."),
		field.String("target_type").Optional().Immutable().MaxLen(32).
			Comment("The type of what was acted on: user, application, credential, consent, import; empty for none."),
		field.String("target_id").Optional().Immutable().MaxLen(128).
			Comment("The public id of what was acted on (user public id, client id, short credential id); empty for none."),
		field.String("transport").Immutable().MaxLen(32).
			Comment("The way in: graphql, users-v1, edu-focus, edu-platform, maarch, oauth, cli or import."),
		field.String("route").Optional().Immutable().MaxLen(255).
			Comment("The route pattern (PUT /v1/users/{id}) or GraphQL operation; empty for the command line."),
		field.String("client_addr").Optional().Immutable().MaxLen(64).
			Comment("The client's address, through TRUSTED_PROXIES; empty for the command line."),
		field.String("request_id").Optional().Immutable().MaxLen(64).
			Comment("The request id (X-Request-Id) of the request that acted."),
		field.String("trace_id").Optional().Immutable().MaxLen(32).
			Comment("The trace id when tracing is on."),
		field.Strings("fields").Optional().Immutable().
			Comment("The names of the fields changed, never their values for secrets."),
		field.String("reason").Optional().Immutable().MaxLen(255).
			Comment("Why: the reason of a failure, a ban, a revocation; empty for none."),
		field.JSON("details", map[string]string{}).Optional().Immutable().
			Comment("More facts, never secrets: a role before and after, scopes, a count.").
			Annotations(entgql.Skip()),
	}
}

// Indexes of the AuditEvent: the time, which the pages are ordered by,
// and the two filters that are selective and ask for an index: the target
// and the kind, each ending in the time. Every index is one more B-tree
// page written by each write that records an event (on SQLite, one more
// WAL page per commit): the actor filter, an OR of three columns of which
// no single index serves, walks the time index newest first, as it did
// when actor_user and actor_application had indexes that no plan used
// (BenchmarkAuditCheapWrites, bench/README.md).
//
// The kind index leaves out user.changed (KindIndexWhere): the kind of
// the cheap writes, and the commonest, which a filter finds soon enough
// walking the time index. A kind that is rare is what the index is for
// (the bans of last month); auditlog.Query adds this very condition to a
// filter that leaves user.changed out, so that SQLite and PostgreSQL can
// use the partial index.
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("occurred_at"),
		index.Fields("target_id", "occurred_at"),
		index.Fields("kind", "occurred_at").Annotations(entsql.IndexWhere(KindIndexWhere)),
	}
}

// KindIndexWhere is the condition of the partial index of the kinds, in
// SQL that SQLite and PostgreSQL read alike: every kind but user.changed.
const KindIndexWhere = "kind <> 'user.changed'"

// Hooks of the AuditEvent keep it append-only whoever holds a client: no
// update at all, and a delete only from the retention sweep, which runs
// with privacy.DecisionContext(ctx, privacy.Allow) (auditlog.Sweep).
func (AuditEvent) Hooks() []ent.Hook {
	return []ent.Hook{
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				switch {
				case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
					return nil, apperr.New(apperr.Forbidden, "audit_append_only", "audit events are never changed")
				case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
					if d, ok := privacy.DecisionFromContext(ctx); !ok || d != nil { // nil: privacy.Allow
						return nil, apperr.New(apperr.Forbidden, "audit_append_only", "audit events are removed by the retention sweep only")
					}
				}
				return next.Mutate(ctx, m)
			})
		},
	}
}

// Annotations of the AuditEvent: a Relay connection for auditEvents
// (graph/audit_events.graphqls), which declares the query by hand for its
// filters; no mutation.
func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{IncrementStart: incrementStart(10)},
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput),
		schema.Comment("One event of the audit trail: who did what to whom, when, from where. Written with the action it records, never changed."),
	}
}
