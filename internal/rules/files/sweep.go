package files

import (
	"context"
	"time"

	"userbridge/ent/file"
)

// sweepBatch is how many listed blobs are checked against the rows at once.
const sweepBatch = 200

// SweepResult counts what one pass removed.
type SweepResult struct {
	Expired int // temporary files past their expiry (row and blob)
	Orphans int // blobs no row names, older than the grace period, removed by this pass
	Failed  int // blobs whose removal failed: logged, tried again at the next pass
}

// Sweep runs one pass: it deletes expired temporary files (row first, then
// blob), then blobs that no row names and that are older than the grace
// period, so that an upload in flight (blob written, row not yet committed)
// is left alone. Blobs left behind by a crash or a failed removal go here.
// Only removals that happened count: a blob already gone (another
// replica's sweeper) is not an orphan removed, a failed removal is Failed.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	if err := s.sweepExpired(ctx, &res); err != nil {
		return res, err
	}
	err := s.sweepOrphans(ctx, &res)
	return res, err
}

// Run sweeps now and then every interval until ctx ends; failures are
// logged and retried at the next tick.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.sweepAndLog(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweepAndLog runs one pass and logs what it did: "swept files" only for
// removals that happened, a warning when one failed.
func (s *Service) sweepAndLog(ctx context.Context) {
	res, err := s.Sweep(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.cfg.Logger.WarnContext(ctx, "sweeping files", "err", err,
			"expired", res.Expired, "orphans", res.Orphans, "failed", res.Failed)
	case res.Failed > 0:
		s.cfg.Logger.WarnContext(ctx, "swept files, some removals failed",
			"expired", res.Expired, "orphans", res.Orphans, "failed", res.Failed)
	case res.Expired+res.Orphans > 0:
		s.cfg.Logger.InfoContext(ctx, "swept files", "expired", res.Expired, "orphans", res.Orphans)
	}
}

func (s *Service) sweepExpired(ctx context.Context, res *SweepResult) error {
	expired, err := s.client.File.Query().
		Where(file.KindEQ(file.KindTemporary), file.ExpiresAtLT(s.now())).
		Limit(1000).All(ctx)
	if err != nil {
		return err
	}
	for _, f := range expired {
		// Still temporary: an adoption that won the race keeps its file.
		n, err := s.client.File.Delete().
			Where(file.ID(f.ID), file.KindEQ(file.KindTemporary)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 1 {
			res.Expired++ // the row is gone; a blob left behind is an orphan
			if _, err := s.removeBlob(ctx, f.StorageKey); err != nil {
				res.Failed++
			}
		}
	}
	return nil
}

func (s *Service) sweepOrphans(ctx context.Context, res *SweepResult) error {
	cutoff := s.now().Add(-s.cfg.Grace)
	var batch []string
	flush := func() error {
		known, err := s.client.File.Query().Where(file.StorageKeyIn(batch...)).
			Select(file.FieldStorageKey).Strings(ctx)
		if err != nil {
			return err
		}
		named := make(map[string]bool, len(known))
		for _, k := range known {
			named[k] = true
		}
		for _, k := range batch {
			if named[k] {
				continue
			}
			switch removed, err := s.removeBlob(ctx, k); {
			case err != nil:
				res.Failed++
			case removed:
				res.Orphans++
			}
		}
		batch = batch[:0]
		return nil
	}
	err := s.eachBlob(ctx, func(key string, mod time.Time) error {
		if mod.After(cutoff) {
			return nil
		}
		if batch = append(batch, key); len(batch) == sweepBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(batch) > 0 {
		return flush()
	}
	return nil
}
