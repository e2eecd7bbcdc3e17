package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"userbridge/internal/app"
	"userbridge/internal/importer"
	"userbridge/internal/rules/files"
)

// importFlags are the settings an import needs besides the store: the
// limits records are checked against.
var importFlags = []string{"database", "storage", "user-file-quota", "max-upload"}

// errRejected ends an import that wrote every record but some: exit 1.
var errRejected = errors.New("some records were rejected (see the report)")

func importCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import FILE.jsonl[.gz] [flags]",
		Short: "Import users, files, credentials and applications from an interchange file",
		Long: "import reads the JSON Lines interchange format (docs/moving-in.md), plain or gzip, and\n" +
			"writes its people into the store: new ones are created, the same person (same verified\n" +
			"e-mail) is merged. Running it twice changes nothing; a killed run can be run again.\n" +
			"Exit status: 0 every record imported or unchanged, 1 some rejected (the others are in),\n" +
			"2 usage error (nothing written).",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("%s takes one FILE", cmd.CommandPath())
			}
			return nil
		},
	}
	opt, load, progressMode := importOptions(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		im, closeAll, err := openImporter(cmd, load)
		if err != nil {
			return err
		}
		defer closeAll()
		return runImport(cmd, *progressMode, opt, audited(cmd, im.Client, "jsonl", func(o importer.Options) (importer.Summary, error) {
			return im.ImportFile(cmd.Context(), args[0], o)
		}))
	}
	cmd.AddCommand(importMaarchCommand())
	return cmd
}

// importOptions declares the flags every import takes.
func importOptions(cmd *cobra.Command) (*importer.Options, func() (app.Config, error), *string) {
	fs := cmd.Flags()
	opt := &importer.Options{}
	fs.StringVar(&opt.FilesDir, "files-dir", "", "folder that records' \"path\" contents are relative to")
	fs.BoolVar(&opt.DryRun, "dry-run", false, "check and write everything in transactions that are rolled back: nothing is kept")
	fs.BoolVar(&opt.MergeUnverified, "merge-unverified", false, "merge a record whose e-mail is unverified in its source with the person holding that e-mail")
	fs.BoolVar(&opt.MergeRights, "merge-rights", false, "a merge takes the union of rights (role, flags, privileges) instead of keeping the person's")
	fs.BoolVar(&opt.SkipBadFiles, "skip-bad-files", false, "import a record without its avatar, file or signature that fails the checks, instead of rejecting it")
	fs.Float64Var(&opt.Rate, "rate", importer.DefaultRate, "records written per second at most, to leave room for a serving store (0: no limit)")
	fs.String("report", "", "write one JSON line per rejected, merged, skipped or conflicting record to this file")
	progressMode := fs.String("progress", "auto", "progress: bar, json (a line every few seconds on stderr), none; auto: bar on a terminal, else json")
	load, file := settingSources(fs, importFlags, io.Discard)
	return opt, func() (app.Config, error) { // says which store, as every store command does (storeFor)
		cfg, err := load()
		if err == nil {
			fmt.Fprintln(cmd.ErrOrStderr(), storeLine(cfg, true, file().path))
		}
		return cfg, err
	}, progressMode
}

// openImporter opens the store and the blob storage an import writes to.
func openImporter(cmd *cobra.Command, load func() (app.Config, error)) (*importer.Importer, func(), error) {
	cfg, err := load()
	if err != nil {
		return nil, nil, err
	}
	a, err := openAdmin(cmd.Context(), cfg, true, cmd.ErrOrStderr())
	if err != nil {
		return nil, nil, err
	}
	fs, _ := a.Accounts.Blobs.(*files.Service)
	im := &importer.Importer{Client: a.Store.Client, Files: fs, Accounts: a.Accounts,
		Limits: importLimits(cfg), Logger: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))}
	return im, func() { a.Close() }, nil
}

// importLimits are the service's bounds as this configuration sets them.
func importLimits(cfg app.Config) importer.Limits {
	l := importer.DefaultLimits(cfg.UserFileQuota, cfg.MaxUploadBytes)
	if cfg.SignatureSets > 0 {
		l.MaxSignatureSets = cfg.SignatureSets
	}
	if cfg.SignatureBytes > 0 {
		l.MaxSignatureTotal = cfg.SignatureBytes
	}
	return l
}

// runImport runs one import with its report and progress, prints the
// summary on stderr (a sentence, then one JSON line) and maps the outcome
// to the exit status.
func runImport(cmd *cobra.Command, progressMode string, opt *importer.Options,
	do func(importer.Options) (importer.Summary, error)) error {
	o := *opt
	stderr := cmd.ErrOrStderr()
	if path, _ := cmd.Flags().GetString("report"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600) //nolint:gosec // G304: the report file the operator named
		if err != nil {
			return usageErrorf("--report: %v", err)
		}
		defer f.Close()
		o.Report = f
	}
	tell, finish, err := progressTo(stderr, progressMode)
	if err != nil {
		return err
	}
	o.Progress = tell
	sum, err := do(o)
	finish()
	var usage *importer.UsageError
	if errors.As(err, &usage) {
		return usageError{err: usage.Err}
	}
	printSummary(stderr, sum)
	if err != nil {
		return err
	}
	if sum.Rejected > 0 {
		return errRejected
	}
	return nil
}

func printSummary(w io.Writer, s importer.Summary) {
	verb := "imported"
	if s.DryRun {
		verb = "checked (dry run, nothing kept)"
	}
	fmt.Fprintf(w, "%d records read, %s: %d created, %d merged, %d unchanged, %d rejected, %d skipped, %d weak hashes, %d applications\n",
		s.Read, verb, s.Created, s.Merged, s.Unchanged, s.Rejected, s.Skipped, s.WeakHashes, s.Applications)
	line, _ := json.Marshal(struct {
		Summary importer.Summary `json:"summary"`
	}{s})
	fmt.Fprintf(w, "%s\n", line)
}

// progressEvery is how often JSON progress lines are written.
const progressEvery = 2 * time.Second

// progressTo draws progress on w: a bar (records/s, time left) on a
// terminal, else a JSON line every few seconds.
func progressTo(w io.Writer, mode string) (func(importer.Progress), func(), error) {
	if mode == "auto" {
		mode = "json"
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			mode = "bar"
		}
	}
	switch mode {
	case "none":
		return nil, func() {}, nil
	case "json":
		enc := json.NewEncoder(w)
		last := time.Now()
		return func(p importer.Progress) {
			if p.Done || time.Since(last) < progressEvery {
				return // the summary follows
			}
			last = time.Now()
			_ = enc.Encode(struct {
				Progress importer.Summary `json:"progress"`
				Total    int              `json:"total,omitempty"`
				Seconds  float64          `json:"seconds"`
			}{p.Summary, p.Total, p.Elapsed.Seconds()})
		}, func() {}, nil
	case "bar":
		var bar *progressbar.ProgressBar
		return func(p importer.Progress) {
				if bar == nil {
					total := int64(p.Total)
					if total == 0 {
						total = -1
					}
					bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(w),
						progressbar.OptionSetDescription("importing"), progressbar.OptionShowCount(),
						progressbar.OptionShowIts(), progressbar.OptionSetItsString("records"),
						progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionSetPredictTime(true))
				}
				_ = bar.Set(p.Read)
			}, func() {
				if bar != nil {
					_ = bar.Finish()
					fmt.Fprintln(w)
				}
			}, nil
	}
	return nil, nil, usageErrorf("--progress must be auto, bar, json or none")
}
