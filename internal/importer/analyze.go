package importer

import (
	"context"

	"entgo.io/ent/dialect"

	"userbridge/internal/apperr"
)

// The tables an import grows, whose statistics PostgreSQL plans the
// batch look-ups with.
const analyzeTables = "users, legacy_ids, credentials, files, signatures, consents"

// firstAnalyze is how many records an import writes before it first
// refreshes PostgreSQL's statistics; each later refresh waits for twice
// as many.
const firstAnalyze = 1000

// stats refreshes PostgreSQL's statistics of the tables an import grows,
// each time the records written since the start double.
//
// Why: an import fills tables that may start empty far faster than
// autovacuum looks at them (it wakes once a minute, and it may be off).
// The batch look-ups (pick, unchanged) are prepared statements: after a
// few runs PostgreSQL keeps a generic plan, made while the tables were
// small, which scans them whole. Nothing invalidates that plan as the
// tables grow, so each batch read every row written before it and the
// import slowed down quadratically (bench/import; figures in
// bench/README.md). ANALYZE gives the planner the tables' real size
// and invalidates the plans made without it. Doubling keeps the refreshes
// to a few (seventeen for a hundred million records) whatever the file's
// size. SQLite plans with its indexes without statistics.
type stats struct {
	written, next int
}

// wrote counts n records written and refreshes the statistics once their
// total reaches the next threshold.
func (s *stats) wrote(ctx context.Context, r *run, n int) error {
	if r.opt.DryRun || r.im.Client.Dialect() != dialect.Postgres {
		return nil
	}
	if s.next == 0 {
		s.next = firstAnalyze
	}
	s.written += n
	if s.written < s.next {
		return nil
	}
	s.next = 2 * s.written
	if err := r.im.Client.ExecSQL(ctx, "ANALYZE "+analyzeTables); err != nil {
		return apperr.Wrap(err, "refreshing the tables' statistics")
	}
	return nil
}
