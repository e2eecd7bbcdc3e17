package files

import (
	"context"
	"errors"
	"io"
	"time"

	"userbridge/ent/file"
)

// sweepBatch is how many listed blobs are checked against the rows at once.
const sweepBatch = 200

// SweepResult counts what one pass removed.
type SweepResult struct {
	Expired int // temporary files past their expiry (row and blob)
	Orphans int // blobs no row names, older than the grace period
}

// Sweep runs one pass: it deletes expired temporary files (row first, then
// blob), then blobs that no row names and that are older than the grace
// period, so that an upload in flight (blob written, row not yet committed)
// is left alone. Blobs left behind by a crash or a failed removal go here.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	var err error
	if res.Expired, err = s.sweepExpired(ctx); err != nil {
		return res, err
	}
	res.Orphans, err = s.sweepOrphans(ctx)
	return res, err
}

// Run sweeps now and then every interval until ctx ends; failures are
// logged and retried at the next tick.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := s.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			s.cfg.Logger.WarnContext(ctx, "sweeping files", "err", err)
		} else if res.Expired+res.Orphans > 0 {
			s.cfg.Logger.InfoContext(ctx, "swept files", "expired", res.Expired, "orphans", res.Orphans)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) sweepExpired(ctx context.Context) (int, error) {
	expired, err := s.client.File.Query().
		Where(file.KindEQ(file.KindTemporary), file.ExpiresAtLT(s.now())).
		Limit(1000).All(ctx)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, f := range expired {
		// Still temporary: an adoption that won the race keeps its file.
		n, err := s.client.File.Delete().
			Where(file.ID(f.ID), file.KindEQ(file.KindTemporary)).Exec(ctx)
		if err != nil {
			return removed, err
		}
		if n == 1 {
			s.RemoveBlobs(ctx, []string{f.StorageKey})
			removed++
		}
	}
	return removed, nil
}

func (s *Service) sweepOrphans(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-s.cfg.Grace)
	it := s.bucket.List(nil)
	removed := 0
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
			if !named[k] {
				s.RemoveBlobs(ctx, []string{k})
				removed++
			}
		}
		batch = batch[:0]
		return nil
	}
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return removed, err
		}
		if obj.IsDir || obj.ModTime.After(cutoff) {
			continue
		}
		if batch = append(batch, obj.Key); len(batch) == sweepBatch {
			if err := flush(); err != nil {
				return removed, err
			}
		}
	}
	if len(batch) > 0 {
		return removed, flush()
	}
	return removed, nil
}
