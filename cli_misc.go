package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"

	"userbridge/graph"
)

func migrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or update the database schema and exit",
		Args:  noCommand,
	}
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		fmt.Fprintln(cmd.OutOrStdout(), "schema up to date")
		return nil
	}
	return cmd
}

func schemaCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the GraphQL schema (SDL) as served, without introspection",
		Long: "Print the public GraphQL schema in SDL, as the service serves it: the text of\n" +
			"graph/schema.graphql, for code generators (GET /graphql/schema.graphql serves it too).",
		Args: noCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), graph.SDLFile())
			return err
		},
	}
}

func versionCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version: module version, VCS revision and Go version",
		Args:  noCommand,
	}
	out := withOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		info, _ := debug.ReadBuildInfo()
		v := buildVersion(info)
		return out.print(cmd.OutOrStdout(), v, func(w io.Writer) { fmt.Fprintln(w, v) })
	}
	return cmd
}

// version is what the build recorded about itself (debug.ReadBuildInfo):
// `go build` in a Git checkout stamps the revision; `go run` and test
// binaries may not, and say "unknown".
type version struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Revision string `json:"revision"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified"`
	Go       string `json:"go"`
}

func buildVersion(info *debug.BuildInfo) version {
	v := version{Module: "userbridge", Version: "unknown", Revision: "unknown"}
	if info == nil {
		return v
	}
	v.Go = info.GoVersion
	if info.Main.Path != "" {
		v.Module = info.Main.Path
	}
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the one line `version` prints.
func (v version) String() string {
	s := fmt.Sprintf("%s %s, revision %s", v.Module, v.Version, v.Revision)
	if v.Modified {
		s += " (modified)"
	}
	if v.Time != "" {
		s += ", committed " + v.Time
	}
	return s + ", built with " + v.Go
}
