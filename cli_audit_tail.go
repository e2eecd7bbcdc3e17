package main

import (
	"context"
	"maps"
	"slices"
	"time"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/internal/auditlog"
)

// An event's id is drawn at its INSERT and becomes visible at its
// transaction's commit, so on PostgreSQL an event can appear after one
// with a larger id was already printed: its transaction took longer. A
// tail that only asked for ids above the last one printed missed it. The
// tailer follows the ids of every event, matching or not, notes the ids
// it skipped over (an insert not yet committed, or rolled back), and asks
// for those again on each look until they appear or tailSettle has
// passed.
const (
	// tailSettle is how long a skipped id is waited for: longer than any
	// action's transaction (one request, one batch of an import).
	tailSettle = time.Minute
	// tailBatch is how many new ids one look takes; more are taken at
	// once by the next look.
	tailBatch = 1000
	// tailPending bounds the ids waited for: a burst of rollbacks cannot
	// make each look ask for an unbounded list.
	tailPending = 10_000
)

// tailer finds the events written after a point, in the order of their
// ids, each once, including those committed late.
type tailer struct {
	c       *ent.Client
	f       auditlog.Filter
	last    int               // every id up to last was seen or is pending
	pending map[int]time.Time // ids skipped over, and when
}

func newTailer(c *ent.Client, f auditlog.Filter, after int) *tailer {
	return &tailer{c: c, f: f, last: after, pending: map[int]time.Time{}}
}

// next returns the events matching the filter that appeared since the
// last look (new ids, and skipped ids now committed), and whether more
// new ids are waiting.
func (t *tailer) next(ctx context.Context, now time.Time) ([]*ent.AuditEvent, bool, error) {
	fresh, err := t.c.AuditEvent.Query().Where(auditevent.IDGT(t.last)).
		Order(ent.Asc(auditevent.FieldID)).Limit(tailBatch).IDs(ctx)
	if err != nil {
		return nil, false, err
	}
	var late []int
	if len(t.pending) > 0 {
		late, err = t.c.AuditEvent.Query().Where(auditevent.IDIn(slices.Collect(maps.Keys(t.pending))...)).IDs(ctx)
		if err != nil {
			return nil, false, err
		}
		for _, id := range late {
			delete(t.pending, id)
		}
		for id, at := range t.pending {
			if now.Sub(at) > tailSettle {
				delete(t.pending, id)
			}
		}
	}
	for _, id := range fresh {
		// Before the first id it sees, the tailer knows of no id to wait
		// for: ids start at their type's range (ent's IncrementStart), far
		// above 0, and the gap below the first one is no skipped insert.
		for gap := t.last + 1; t.last > 0 && gap < id && len(t.pending) < tailPending; gap++ {
			t.pending[gap] = now
		}
		t.last = id
	}
	show := append(late, fresh...)
	if len(show) == 0 {
		return nil, false, nil
	}
	evs, err := auditlog.Query(t.c, t.f).Where(auditevent.IDIn(show...)).
		Order(ent.Asc(auditevent.FieldID)).All(ctx)
	return evs, len(fresh) == tailBatch, err
}
