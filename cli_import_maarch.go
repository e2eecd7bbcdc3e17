package main

import (
	"time"

	"github.com/spf13/cobra"

	"userbridge/internal/importer"
	"userbridge/internal/maarchdb"
)

func importMaarchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "maarch --dsn postgres://... [--docservers DIR] [flags]",
		Short: "Import users and signatures straight from a Maarch Courrier database (read-only)",
		Long: "import maarch reads a Maarch Courrier database in one consistent snapshot (read-only) and\n" +
			"imports its users with their Maarch ids, logins, password hashes, manage_users rights and\n" +
			"signatures (docs/import-maarch.md). Same rules, report and exit status as import FILE.",
		Args: noCommand,
	}
	dsn := cmd.Flags().String("dsn", "", "the Maarch database, postgres://USER@HOST/DB (read-only access is enough)")
	docservers := cmd.Flags().String("docservers", "", "the folder holding Maarch's docservers (signature files); default: the TEMPLATES docserver's path from the database")
	opt, load, progressMode := importOptions(cmd)
	_ = cmd.Flags().MarkHidden("files-dir")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if _, err := required(cmd.Flags(), "dsn", "the Maarch database to read"); err != nil {
			return err
		}
		im, closeAll, err := openImporter(cmd, load)
		if err != nil {
			return err
		}
		defer closeAll()
		rd, err := maarchdb.Open(cmd.Context(), *dsn, *docservers)
		if err != nil {
			return usageErrorf("reading the Maarch database: %v", err)
		}
		defer rd.Close()
		o := *opt
		o.FilesDir = rd.FilesDir()
		src := &importer.MaarchSource{R: rd, At: time.Now()}
		return runImport(cmd, *progressMode, &o, audited(cmd, im.Client, "maarch", func(o importer.Options) (importer.Summary, error) {
			return im.Import(cmd.Context(), src, o)
		}))
	}
	return cmd
}
