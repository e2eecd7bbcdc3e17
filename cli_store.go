package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"userbridge/internal/app"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/files"
	"userbridge/internal/store/db"
)

// admin is what an administration command works with: the store (migrated,
// so the commands work on a fresh database) and the accounts rules, through
// which the command acts as auth.Operator.
type admin struct {
	Store    *db.Store
	Accounts *accounts.Service
	closers  []io.Closer
}

func (a *admin) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i].Close())
	}
	return errors.Join(errs...)
}

// storeOpener opens the store an administration command works on.
type storeOpener func(ctx context.Context) (*admin, error)

// withStore gives cmd the settings naming the store (--database, and
// --storage when blobs is set) and returns the function opening it. The
// command does not start the server's background work (file sweeper, rate
// limits); with blobs, deleting a user also removes its files' bytes.
func withStore(cmd *cobra.Command, blobs bool) storeOpener {
	only := storeFlags[:1]
	if blobs {
		only = storeFlags
	}
	load := settingFlags(cmd.Flags(), only, io.Discard) // the commands log nothing
	return func(ctx context.Context) (*admin, error) {
		cfg, err := load()
		if err != nil {
			return nil, err
		}
		return openAdmin(ctx, cfg, blobs, cmd.ErrOrStderr())
	}
}

func openAdmin(ctx context.Context, cfg app.Config, blobs bool, stderr io.Writer) (*admin, error) {
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a := &admin{Store: store, Accounts: &accounts.Service{Client: store.Client}, closers: []io.Closer{store}}
	if err := store.Migrate(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if blobs {
		fs, err := files.New(ctx, files.Config{Client: store.Client, Dialect: store.Dialect,
			StorageURL: cfg.StorageURL, Logger: slog.New(slog.NewTextHandler(stderr, nil))})
		if err != nil {
			a.Close()
			return nil, err
		}
		a.Accounts.Blobs = fs
		a.closers = append(a.closers, fs)
	}
	return a, nil
}
