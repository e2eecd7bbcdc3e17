package auditlog

import (
	"context"
	"fmt"
	"log/slog"

	"userbridge/ent"
	"userbridge/internal/apperr"
	"userbridge/internal/edge/reqinfo"
)

// Options say what a store's client does with the events written through
// it (Install).
type Options struct {
	// Logger receives one line per committed event ("event=<kind>" and its
	// facts); nil: slog.Default().
	Logger *slog.Logger
	// Off records nothing: the bench measures the cost of the trail by
	// comparing a run with it against one without (AUDIT_EVENTS=off, which
	// docs/audit.md says is for that only).
	Off bool
	// InTx run after each event's INSERT, in its transaction: what must
	// commit or roll back with it (the PostgreSQL NOTIFY of the fan-out).
	// An error fails the action.
	InTx []func(ctx context.Context, c *ent.Client, ev *ent.AuditEvent) error
	// Committed run once the event's transaction has committed (at once
	// for an event written outside a transaction); never for one rolled
	// back. They must not block: the committing request waits for them.
	Committed []func(ev *ent.AuditEvent)
}

// Install makes c record the events of its writers: the ent hooks of
// users, applications and credentials (hooks.go), and, on every event
// written, the log line and the notifications of o. o is read at each
// event: notification points may be added to it after Install, before the
// first request. A client without Install still writes what Record is
// given, but logs nothing.
func Install(c *ent.Client, o *Options) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	c.AuditEvent.Use(o.eventHook)
	if o.Off {
		return
	}
	c.User.Use(userHook)
	c.Application.Use(applicationHook)
	c.Credential.Use(credentialHook)
}

// eventHook runs around each event's INSERT: the in-transaction
// notifications after it, and the log line and the committed callbacks
// once its transaction commits (ent's OnCommit), so that an event rolled
// back is neither logged nor delivered.
func (o *Options) eventHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		am, ok := m.(*ent.AuditEventMutation)
		if !ok || !m.Op().Is(ent.OpCreate) {
			return next.Mutate(ctx, m)
		}
		if o.Off {
			return &ent.AuditEvent{}, nil
		}
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return nil, err
		}
		ev := v.(*ent.AuditEvent)
		if len(o.InTx) > 0 {
			c := am.Client()
			for _, f := range o.InTx {
				if err := f(ctx, c, ev); err != nil {
					return nil, err
				}
			}
		}
		inTx := am.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(cctx context.Context, tx *ent.Tx) error {
				if err := next.Commit(cctx, tx); err != nil {
					return err
				}
				o.committed(ctx, ev)
				return nil
			})
		})
		if !inTx { // no transaction: the INSERT is committed already
			o.committed(ctx, ev)
		}
		return ev, nil
	})
}

func (o *Options) committed(ctx context.Context, ev *ent.AuditEvent) {
	if o.Logger.Enabled(ctx, slog.LevelInfo) {
		var buf [20]slog.Attr
		o.Logger.LogAttrs(ctx, slog.LevelInfo, "audit", LogAttrs(buf[:0], ev)...)
	}
	for _, f := range o.Committed {
		f(ev)
	}
}

// LogAttrs appends to attrs the attributes of ev's log line: event=<kind>
// first, then every fact that is set. They are slog.Attr, not key-value
// pairs of []any, so that no value is boxed (BenchmarkAuditCheapWrites).
func LogAttrs(attrs []slog.Attr, ev *ent.AuditEvent) []slog.Attr {
	attrs = append(attrs, slog.String("event", ev.Kind), slog.Int("event_id", ev.ID),
		slog.Time("occurred_at", ev.OccurredAt), slog.String("actor_kind", string(ev.ActorKind)))
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add("actor_user", ev.ActorUser)
	add("actor_application", ev.ActorApplication)
	add("actor_credential", ev.ActorCredential)
	add("target_type", ev.TargetType)
	add("target_id", ev.TargetID)
	add("transport", ev.Transport)
	add("route", ev.Route)
	add("client", ev.ClientAddr)
	add("request_id", ev.RequestID)
	add("trace_id", ev.TraceID)
	if len(ev.Fields) > 0 {
		attrs = append(attrs, slog.Any("fields", ev.Fields))
	}
	add("reason", ev.Reason)
	if len(ev.Details) > 0 {
		attrs = append(attrs, slog.Any("details", ev.Details))
	}
	return attrs
}

// Record writes e through c, a transaction's client or a client: in the
// transaction of the action it records, so that both commit or neither
// does. c may be *ent.Tx or *ent.Client; with a client outside any
// transaction (a failed sign-in, which changes nothing else) the event is
// its own write. The facts e leaves unset come from ctx (ActorOf,
// transportOf, reqinfo). Returns invalid for a kind of the wrong shape, or
// the database's error.
func Record[C *ent.Tx | *ent.Client](ctx context.Context, c C, e Event) error {
	var client *ent.AuditEventClient
	switch c := any(c).(type) {
	case *ent.Tx:
		client = c.AuditEvent
	case *ent.Client:
		client = c.AuditEvent
	}
	return record(ctx, client, e)
}

// record is Record through c, the events' client of a mutation's driver
// (AuditEvents, in ent/template/ent/audit_client.tmpl) for the hooks.
func record(ctx context.Context, c *ent.AuditEventClient, e Event) error {
	q, err := create(ctx, c, e)
	if err != nil {
		return err
	}
	_, err = q.Save(ctx)
	return err
}

// create builds the INSERT of e with the facts of ctx.
func create(ctx context.Context, c *ent.AuditEventClient, e Event) (*ent.AuditEventCreate, error) {
	if !kindPattern.MatchString(string(e.Kind)) {
		return nil, apperr.Wrap(fmt.Errorf("auditlog: kind %q is not <object>.<verb>", e.Kind), "recording the audit event")
	}
	actor := e.Actor
	if actor == nil {
		a := ActorOf(ctx)
		actor = &a
	}
	transport, route := transportOf(ctx)
	reason := e.Reason
	if reason == "" {
		reason = reasonOf(ctx)
	}
	q := c.Create().SetKind(string(e.Kind)).SetActorKind(actor.Kind).
		SetTransport(transport).SetTraceID(traceID(ctx))
	set := func(v string, f func(string) *ent.AuditEventCreate) {
		if v != "" {
			f(v)
		}
	}
	set(actor.User, q.SetActorUser)
	set(actor.Application, q.SetActorApplication)
	set(actor.Credential, q.SetActorCredential)
	set(e.Target.Type, q.SetTargetType)
	set(e.Target.ID, q.SetTargetID)
	set(truncate(route, 255), q.SetRoute)
	set(truncate(reqinfo.ClientAddr(ctx), 64), q.SetClientAddr)
	set(reqinfo.RequestID(ctx), q.SetRequestID)
	set(truncate(reason, 255), q.SetReason)
	if len(e.Fields) > 0 {
		q.SetFields(e.Fields)
	}
	if len(e.Details) > 0 {
		q.SetDetails(e.Details)
	}
	return q, nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
