package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/internal/auditlog"
)

func auditCommand() *cobra.Command {
	return group("audit", "Read the audit trail: who did what to whom, when, from where",
		auditListCommand(), auditTailCommand())
}

// auditFilterFlags registers the filters list and tail share and returns
// a function that reads them.
func auditFilterFlags(cmd *cobra.Command) func() (auditlog.Filter, error) {
	fs := cmd.Flags()
	actor := fs.String("actor", "", "only events whose actor is this user public id, application client id or credential id (tok_7)")
	target := fs.String("target", "", "only events acting on this public id (user, application client id, credential id)")
	kinds := fs.StringSlice("kind", nil, "only events of these kinds, comma-separated (user.changed,signin.failed)")
	since := fs.String("since", "", "only events at or after this time: RFC 3339 (2026-12-01T00:00:00Z) or a duration ago (24h)")
	until := fs.String("until", "", "only events before this time: RFC 3339 or a duration ago")
	return func() (auditlog.Filter, error) {
		f := auditlog.Filter{Actor: *actor, Target: *target, Kinds: *kinds}
		var err error
		if f.Since, err = parseWhen(*since, time.Now()); err != nil {
			return f, usageErrorf("--since: %v", err)
		}
		if f.Until, err = parseWhen(*until, time.Now()); err != nil {
			return f, usageErrorf("--until: %v", err)
		}
		return f, nil
	}
}

// parseWhen reads a time as RFC 3339, or as a duration before now; ""
// is the zero time (no bound).
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a time such as 2026-12-01T00:00:00Z nor a duration such as 24h", s)
}

func auditListCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List audit events, newest first",
		Args:  noCommand,
	}
	filter := auditFilterFlags(cmd)
	limit := cmd.Flags().Int("limit", 100, "list at most this many events")
	out := withOutput(cmd)
	open := readStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := filter()
		if err != nil {
			return err
		}
		if *limit <= 0 {
			return usageErrorf("--limit: want a positive number")
		}
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		evs, err := auditlog.Query(a.Store.Client, f).
			Order(ent.Desc(auditevent.FieldOccurredAt), ent.Desc(auditevent.FieldID)).Limit(*limit).All(cmd.Context())
		if err != nil {
			return err
		}
		list := make([]auditJSON, len(evs))
		for i, ev := range evs {
			list[i] = auditOut(ev)
		}
		return out.print(cmd.OutOrStdout(), list, func(w io.Writer) { auditTable(w, list, true) })
	}
	return cmd
}

func auditTailCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tail [flags]",
		Short: "Print the latest audit events, oldest first; --follow keeps printing new ones",
		Args:  noCommand,
	}
	filter := auditFilterFlags(cmd)
	lines := cmd.Flags().IntP("lines", "n", 10, "print this many of the latest events first")
	follow := cmd.Flags().BoolP("follow", "f", false, "keep printing events as they are written, until interrupted")
	every := cmd.Flags().Duration("interval", 2*time.Second, "with --follow, how often to look for new events")
	out := withOutput(cmd)
	open := readStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := filter()
		if err != nil {
			return err
		}
		if *lines < 0 || *every <= 0 {
			return usageErrorf("--lines wants 0 or more, --interval a positive duration")
		}
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		ctx := cmd.Context()
		c := a.Store.Client
		// Every event up to top is either printed now or older than the
		// lines asked for; following starts after it, matching or not.
		newest, err := c.AuditEvent.Query().Order(ent.Desc(auditevent.FieldID)).Limit(1).IDs(ctx)
		if err != nil {
			return err
		}
		top := 0
		if len(newest) > 0 {
			top = newest[0]
		}
		evs, err := auditlog.Query(c, f).Where(auditevent.IDLTE(top)).
			Order(ent.Desc(auditevent.FieldID)).Limit(*lines).All(ctx)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		emit := func(evs []*ent.AuditEvent, header bool) {
			list := make([]auditJSON, len(evs))
			for i, ev := range evs {
				list[i] = auditOut(ev)
			}
			if *out.json || out.format.name == "json" {
				enc := json.NewEncoder(w) // one object a line: a stream a script reads as it comes
				for _, j := range list {
					_ = enc.Encode(j)
				}
				return
			}
			auditTable(w, list, header)
		}
		slices.Reverse(evs)
		emit(evs, true)
		if !*follow {
			return nil
		}
		t := newTailer(c, f, top)
		for wait := *every; ; {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			evs, more, err := t.next(ctx, time.Now())
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			emit(evs, false)
			if wait = *every; more {
				wait = 0
			}
		}
	}
	return cmd
}

// auditJSON is an event as the command line prints it with -o json.
type auditJSON struct {
	ID               int               `json:"id"`
	Kind             string            `json:"kind"`
	OccurredAt       time.Time         `json:"occurred_at"`
	ActorKind        string            `json:"actor_kind"`
	ActorUser        string            `json:"actor_user,omitempty"`
	ActorApplication string            `json:"actor_application,omitempty"`
	ActorCredential  string            `json:"actor_credential,omitempty"`
	TargetType       string            `json:"target_type,omitempty"`
	TargetID         string            `json:"target_id,omitempty"`
	Transport        string            `json:"transport"`
	Route            string            `json:"route,omitempty"`
	ClientAddr       string            `json:"client_addr,omitempty"`
	RequestID        string            `json:"request_id,omitempty"`
	TraceID          string            `json:"trace_id,omitempty"`
	Fields           []string          `json:"fields,omitempty"`
	Reason           string            `json:"reason,omitempty"`
	Details          map[string]string `json:"details,omitempty"`
}

func auditOut(ev *ent.AuditEvent) auditJSON {
	return auditJSON{ID: ev.ID, Kind: ev.Kind, OccurredAt: ev.OccurredAt.UTC(), ActorKind: string(ev.ActorKind),
		ActorUser: ev.ActorUser, ActorApplication: ev.ActorApplication, ActorCredential: ev.ActorCredential,
		TargetType: ev.TargetType, TargetID: ev.TargetID, Transport: ev.Transport, Route: ev.Route,
		ClientAddr: ev.ClientAddr, RequestID: ev.RequestID, TraceID: ev.TraceID, Fields: ev.Fields,
		Reason: ev.Reason, Details: ev.Details}
}

// auditTable prints events as a table: the header only when asked (tail
// --follow prints rows under the first one).
func auditTable(w io.Writer, list []auditJSON, header bool) {
	rows := make([][]string, len(list))
	for i, j := range list {
		actor := j.ActorKind
		for _, s := range []string{j.ActorUser, j.ActorApplication, j.ActorCredential} {
			if s != "" {
				actor += " " + s
			}
		}
		target := "-"
		if j.TargetType != "" {
			target = j.TargetType + " " + j.TargetID
		}
		rows[i] = []string{j.OccurredAt.Format(time.RFC3339), j.Kind, actor, target, j.Transport,
			orDash(j.ClientAddr), orDash(strings.Join(j.Fields, ","))}
	}
	if !header {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		tw.Flush()
		return
	}
	table(w, []string{"TIME", "KIND", "ACTOR", "TARGET", "TRANSPORT", "CLIENT", "FIELDS"}, rows)
}
