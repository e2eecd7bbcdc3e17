package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"userbridge/internal/exporter"
	"userbridge/internal/rules/files"
)

func exportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export [flags] > store.jsonl",
		Short: "Export the store in the interchange format (credentials and secrets as hashes only)",
		Long: "export writes every application and user, with legacy ids, password hashes, files,\n" +
			"signatures, credentials and consents, in the format import reads (docs/moving-in.md).\n" +
			"Files are inline in base64 unless --files-dir. With --include-keys it also writes the\n" +
			"store's own keys, so that an import into an empty store answers exactly as this one.",
		Args: noCommand,
	}
	fs := cmd.Flags()
	var opt exporter.Options
	fs.StringVar(&opt.FilesDir, "files-dir", "", "write file contents into this folder (owner-only) instead of inline")
	fs.BoolVar(&opt.IncludeKeys, "include-keys", false, "also write the store's keys (link signing, cursor encryption): for a move; keep the output secret")
	outPath := fs.String("out", "", "write to this file (created readable by its owner only) instead of standard output")
	open := readStore(cmd, true)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		w := cmd.OutOrStdout()
		if *outPath != "" {
			f, err := os.OpenFile(*outPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				return usageErrorf("--out: %v", err)
			}
			defer f.Close()
			w = f
		}
		fsvc, _ := a.Accounts.Blobs.(*files.Service)
		ex := &exporter.Exporter{Client: a.Store.Client, Files: fsvc}
		st, err := ex.Export(cmd.Context(), w, opt)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "exported %d users, %d applications, %d files, %d settings\n",
			st.Users, st.Applications, st.Files, st.Settings)
		return nil
	}
	return cmd
}
