package app

import (
	"context"
	"time"

	"userbridge/internal/rules/files"
	"userbridge/internal/rules/signatures"
)

// DefaultSweepEvery is how often the file sweeper runs after start-up.
const DefaultSweepEvery = 10 * time.Minute

// openFiles builds the file and signature rules, lets account deletion
// remove its files' blobs, and starts the sweeper (at once, then every
// SweepEvery; a negative SweepEvery leaves it to explicit Sweep calls).
func (a *App) openFiles(ctx context.Context) error {
	cfg := a.Config
	fs, err := files.New(ctx, files.Config{
		Client:     a.Store.Client,
		Dialect:    a.Store.Dialect,
		StorageURL: cfg.StorageURL,
		PublicURL:  cfg.PublicURL,
		Secret:     cfg.Secret,
		Quota:      cfg.UserFileQuota,
		MaxUpload:  cfg.MaxUploadBytes,
		LinkTTL:    cfg.LinkTTL,
		TempTTL:    cfg.TemporaryFileTTL,
		Grace:      cfg.SweepGrace,
		TempFiles:  cfg.TemporaryFiles,
		TempBytes:  cfg.TemporaryBytes,
		Now:        cfg.Now,
		Logger:     cfg.Logger,

		ObserveStorage: a.storageLatency(),
	})
	if err != nil {
		return err
	}
	a.Files = fs
	a.Signatures = &signatures.Service{Client: a.Store.Client, Dialect: a.Store.Dialect,
		MaxSets: cfg.SignatureSets, MaxUserBytes: cfg.SignatureBytes, Now: cfg.Now}
	a.Accounts.Blobs = fs
	if cfg.SweepEvery >= 0 {
		every := cfg.SweepEvery
		if every == 0 {
			every = DefaultSweepEvery
		}
		sweepCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() {
			defer close(done)
			fs.Run(sweepCtx, every)
		}()
		a.stopSweeper = func() { cancel(); <-done }
	}
	return nil
}

// closeFiles stops the sweeper and releases the bucket.
func (a *App) closeFiles() error {
	if a.stopSweeper != nil {
		a.stopSweeper()
		a.stopSweeper = nil
	}
	if a.Files == nil {
		return nil
	}
	return a.Files.Close()
}
