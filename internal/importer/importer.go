// Package importer brings people in from the interchange format (and from
// a Maarch database) into the store: users with their legacy ids,
// passwords, files, signatures, credentials and consents, and the
// applications those credentials belong to. It is idempotent (a second run
// changes nothing), resumable (a killed run rerun finishes with nothing
// missing and nothing twice), and order-independent when one person comes
// from several systems: see docs/moving-in.md for the rules.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"userbridge/ent"
	"userbridge/internal/auditlog"
	"userbridge/internal/interchange"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/files"
)

// DefaultBatchSize is how many records one transaction writes: large
// enough that commits do not dominate, small enough that a serving store's
// writers wait little for the import's (bench/import).
const DefaultBatchSize = 100

// DefaultRate is the records per second an import writes unless told
// otherwise (--rate; 0: unthrottled), so an import into a serving store
// leaves room for its clients (bench/import).
const DefaultRate = 1000

// Importer writes records into one store.
type Importer struct {
	Client   *ent.Client
	Files    *files.Service
	Accounts *accounts.Service
	Limits   Limits
	Logger   *slog.Logger
	Now      func() time.Time
}

// Options are one run's choices.
type Options struct {
	FilesDir        string // where "path" contents are read from
	DryRun          bool   // check and write everything, then roll back
	MergeUnverified bool   // merge records whose e-mail is unverified in their source
	MergeRights     bool   // a merge takes the union of rights instead of keeping them
	SkipBadFiles    bool   // import a record without its failing avatar, file or signature
	Rate            float64
	BatchSize       int
	Report          io.Writer // one JSON line per rejected, merged or conflicting record
	Progress        func(Progress)
}

// Summary counts a run's records.
type Summary struct {
	Read         int  `json:"read"`
	Created      int  `json:"created"`
	Merged       int  `json:"merged"`
	Unchanged    int  `json:"unchanged"`
	Rejected     int  `json:"rejected"`
	Skipped      int  `json:"skipped"`
	WeakHashes   int  `json:"weak_hashes"`
	Applications int  `json:"applications"`
	DryRun       bool `json:"dry_run"`
}

// Source yields records: io.EOF at the end, a *interchange.LineError for a
// record that cannot be read (it is rejected, the run goes on).
type Source interface {
	Next() (interchange.Record, error)
}

// UsageError is a run that cannot start (a missing file, bad options):
// nothing was written.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// ImportFile imports a JSON Lines file (plain or gzip). It reads the file
// twice: applications and settings first, so a user's credentials may name
// an application defined anywhere in the file; then the users.
func (im *Importer) ImportFile(ctx context.Context, path string, opt Options) (Summary, error) {
	ctx = quiet(ctx)
	open := func() (*os.File, *interchange.Reader, error) {
		f, err := os.Open(path) //nolint:gosec // G304: the file the operator asked to import
		if err != nil {
			return nil, nil, &UsageError{err}
		}
		r, err := interchange.NewReader(f, im.Limits.MaxLine())
		if err != nil {
			f.Close()
			return nil, nil, &UsageError{fmt.Errorf("%s: %w", path, err)}
		}
		return f, r, nil
	}
	f, r, err := open()
	if err != nil {
		return Summary{}, err
	}
	// The first pass needs of a user line only its integer ids.
	r.SkimUsers = true
	run, err := im.start(ctx, opt)
	if err != nil {
		f.Close()
		return Summary{}, err
	}
	defer run.close()
	err = run.applications(ctx, r)
	r.Close()
	f.Close()
	if err == nil {
		err = run.raiseSequence(ctx)
	}
	if err != nil {
		return run.sum, err
	}
	if f, r, err = open(); err != nil {
		return run.sum, err
	}
	defer f.Close()
	defer r.Close()
	return run.users(ctx, onlyUsers{r})
}

// Import imports the users a source yields (a Maarch database). A source
// of records of other types should go through ImportFile.
func (im *Importer) Import(ctx context.Context, src Source, opt Options) (Summary, error) {
	ctx = quiet(ctx)
	run, err := im.start(ctx, opt)
	if err != nil {
		return Summary{}, err
	}
	defer run.close()
	return run.users(ctx, src)
}

// onlyUsers skips the lines the first pass handled.
type onlyUsers struct{ r *interchange.Reader }

func (o onlyUsers) Next() (interchange.Record, error) {
	for {
		rec, err := o.r.Next()
		if err != nil || rec.User != nil {
			return rec, err
		}
	}
}

// quiet keeps the store's generic audit events (one per user, credential
// and application written) out of an import: a run is one operator's
// action, recorded once by its caller, and an event per person would cost
// the import a statement per person (BenchmarkImportPeople).
func quiet(ctx context.Context) context.Context {
	return auditlog.Quiet(auditlog.WithTransport(ctx, auditlog.TransportImport))
}

// errStop ends a run early: the context was cancelled.
var errStop = errors.New("import stopped")
