package auditlog

import (
	"context"
	"log/slog"
	"time"

	"entgo.io/ent/privacy"

	"userbridge/ent"
	"userbridge/ent/auditevent"
)

// DefaultRetention is how long events are kept unless AUDIT_RETENTION says
// otherwise: a little over a year, so that "who did this last spring?" has
// an answer.
const DefaultRetention = 400 * 24 * time.Hour

// sweepBatch bounds one DELETE: a first sweep of a long-kept table removes
// its backlog in short transactions rather than one that holds the
// writer for minutes.
const sweepBatch = 5000

// Sweep removes the events older than retention (0: keeps every event)
// and returns how many. It is the only delete the AuditEvent's hook lets
// through (privacy.Allow in its context).
func Sweep(ctx context.Context, c *ent.Client, retention time.Duration, now time.Time) (int, error) {
	if retention <= 0 {
		return 0, nil
	}
	cutoff := now.Add(-retention)
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	total := 0
	for {
		ids, err := c.AuditEvent.Query().Where(auditevent.OccurredAtLT(cutoff)).
			Limit(sweepBatch).IDs(ctx)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		n, err := c.AuditEvent.Delete().Where(auditevent.IDIn(ids...)).Exec(ctx)
		total += n
		if err != nil || len(ids) < sweepBatch {
			return total, err
		}
	}
}

// RunSweeper sweeps now and then every interval until ctx ends; failures
// are logged and retried at the next tick, like the files' sweeper.
func RunSweeper(ctx context.Context, c *ent.Client, retention, interval time.Duration,
	now func() time.Time, logger *slog.Logger) {
	if retention <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := Sweep(ctx, c, retention, now())
		switch {
		case err != nil && ctx.Err() == nil:
			logger.WarnContext(ctx, "sweeping audit events", "err", err, "removed", n)
		case n > 0:
			logger.InfoContext(ctx, "swept audit events", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
