package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"userbridge/internal/app"
	"userbridge/internal/auditlog"
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
// --storage when blobs is set) and returns the function opening it,
// creating and migrating the database when needed. The command does not
// start the server's background work (file sweeper, rate limits); with
// blobs, deleting a user also removes its files' bytes.
func withStore(cmd *cobra.Command, blobs bool) storeOpener { return storeFor(cmd, blobs, false) }

// readStore is withStore for a command that only reads: it never creates a
// database. A missing SQLite file or a database without userbridge's
// schema is an error naming it, where an empty answer would suggest the
// store is empty (a command run from another folder than the server's
// once listed no users and left a new ./data/app.db behind).
func readStore(cmd *cobra.Command, blobs bool) storeOpener { return storeFor(cmd, blobs, true) }

func storeFor(cmd *cobra.Command, blobs, readOnly bool) storeOpener {
	only := storeFlags[:1]
	if blobs {
		only = storeFlags
	}
	load, file := settingSources(cmd.Flags(), only, io.Discard) // the commands log nothing
	return func(ctx context.Context) (*admin, error) {
		cfg, err := load()
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(cmd.ErrOrStderr(), storeLine(cfg, blobs, file().path))
		if readOnly {
			if err := databaseExists(cfg.DatabaseURL); err != nil {
				return nil, err
			}
		}
		return openStore(ctx, cfg, blobs, readOnly, cmd.ErrOrStderr())
	}
}

// storeLine says which store a command works on (standard error, so that
// scripts reading standard output are not disturbed).
func storeLine(cfg app.Config, blobs bool, configPath string) string {
	line := "store: " + describeDatabase(cfg.DatabaseURL)
	if blobs {
		line += ", files " + describeStorage(cfg.StorageURL)
	}
	if configPath != "" {
		line += " (settings " + configPath + ")"
	}
	return line
}

// databaseExists refuses an SQLite file that is not there. A server
// database (PostgreSQL) is never created by userbridge; its schema is
// checked once connected (openStore).
func databaseExists(databaseURL string) error {
	path, ok := strings.CutPrefix(databaseURL, "sqlite://")
	if !ok || strings.HasPrefix(path, "file:") {
		return nil
	}
	if _, err := os.Stat(path); err == nil { //nolint:gosec // the operator names the database file
		return nil
	}
	return fmt.Errorf("no database at %s: nothing to read. Name yours with --database, "+
		"DATABASE_URL or a settings file (--config; ~/.config/userbridge/config.env), "+
		"or create this one with `%s user create --admin ...`", describeDatabase(databaseURL), commandName())
}

func openAdmin(ctx context.Context, cfg app.Config, blobs bool, stderr io.Writer) (*admin, error) {
	return openStore(ctx, cfg, blobs, false, stderr)
}

func openStore(ctx context.Context, cfg app.Config, blobs, readOnly bool, stderr io.Writer) (*admin, error) {
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	// The command line records the audit trail in the database; its log
	// lines are the server's business (docs/audit.md).
	auditlog.Install(store.Client, &auditlog.Options{Logger: slog.New(slog.DiscardHandler)})
	a := &admin{Store: store, Accounts: &accounts.Service{Client: store.Client, Dialect: store.Dialect}, closers: []io.Closer{store}}
	if readOnly {
		if err := hasSchema(ctx, store); err != nil {
			a.Close()
			return nil, fmt.Errorf("%s: %w", describeDatabase(cfg.DatabaseURL), err)
		}
	}
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

// hasSchema reports whether userbridge's tables are there: a read command
// migrates an older schema forward, but does not turn an unrelated or
// empty database into a userbridge one.
func hasSchema(ctx context.Context, store *db.Store) error {
	_, err := store.Client.User.Query().Limit(1).IDs(ctx)
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "no such table") || strings.Contains(msg, "does not exist") {
		return errors.New("no userbridge schema in this database: nothing to read (`migrate` creates it)")
	}
	return err
}
