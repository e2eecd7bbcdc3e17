package main

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"userbridge/ent"
	"userbridge/internal/auditlog"
	"userbridge/internal/importer"
)

// importRun is one import's work, as runImport calls it.
type importRun func(importer.Options) (importer.Summary, error)

// audited makes an import one event of the audit trail: its writes run
// under auditlog.Quiet with the import transport (fifty thousand people
// are one import, not fifty thousand user.created), and the run records
// import.ran through c once it ends, with its summary counts, on its own
// (the run spans many transactions). A run that could not start (a usage
// error: nothing read, nothing written) records nothing. source names
// the kind of input ("jsonl", "maarch"), never a path or a DSN.
func audited(cmd *cobra.Command, c *ent.Client, source string, run importRun) importRun {
	return func(o importer.Options) (importer.Summary, error) {
		outer := cmd.Context()
		if outer == nil {
			outer = context.Background()
		}
		cmd.SetContext(auditlog.WithTransport(auditlog.Quiet(outer), auditlog.TransportImport))
		defer cmd.SetContext(outer)
		sum, err := run(o)
		if _, usage := err.(*importer.UsageError); usage { //nolint:errorlint // the importer returns it unwrapped
			return sum, err
		}
		e := auditlog.Event{Kind: auditlog.ImportRan, Target: auditlog.Target{Type: auditlog.TargetImport, ID: source},
			Details: map[string]string{
				"read": strconv.Itoa(sum.Read), "created": strconv.Itoa(sum.Created), "merged": strconv.Itoa(sum.Merged),
				"unchanged": strconv.Itoa(sum.Unchanged), "rejected": strconv.Itoa(sum.Rejected),
				"skipped": strconv.Itoa(sum.Skipped), "weak_hashes": strconv.Itoa(sum.WeakHashes),
				"applications": strconv.Itoa(sum.Applications), "dry_run": strconv.FormatBool(sum.DryRun),
			}}
		if err != nil {
			e.Reason = "failed"
		} else if sum.Rejected > 0 {
			e.Reason = "rejected_records"
		}
		ctx := auditlog.WithTransport(outer, auditlog.TransportImport)
		if rerr := auditlog.Record(ctx, c, e); rerr != nil && err == nil {
			return sum, rerr
		}
		return sum, err
	}
}
