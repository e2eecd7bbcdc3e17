package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"userbridge/internal/apperr"
	"userbridge/internal/auditlog"
)

// newRoot builds the command tree. The root serves, like `serve`, so that a
// plain `go run .` starts the service; every other command takes only its
// own flags.
func newRoot(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "userbridge",
		Short: "One user store: a GraphQL API and four legacy REST dialects",
		Long: "userbridge serves one user store through GraphQL and four legacy REST dialects,\n" +
			"and administers it from the command line. Without a command it serves.",
		Args:          noCommand,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetContext(ctx)
	// What an administration command does is the operator's, through the
	// command line, on the route of the command's path (without its
	// arguments, which may name a person): the audit trail says so. The
	// servers (the root, serve, shadow) leave each request to say who acts
	// and where.
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		if cmd != root && cmd.Name() != "serve" && cmd.Name() != "shadow" {
			cmd.SetContext(auditlog.WithRoute(auditlog.WithOperator(cmd.Context()), cmd.CommandPath()))
		}
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError{err: plainFlagError(cmd, err)} })
	serveFlags(root, stderr)
	root.AddCommand(
		serveCommand(stderr),
		migrateCommand(),
		schemaCommand(),
		versionCommand(),
		userCommand(),
		tokenCommand(),
		appCommand(),
		importCommand(),
		exportCommand(),
		shadowCommand(stderr),
		auditCommand(),
	)
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Short = "Print a shell completion script (bash, zsh, fish, powershell)"
		}
	}
	return root
}

// run executes a command line; commands print their result on stdout and
// everything else on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRoot(ctx, stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if exitCode(err) == 2 {
		return usageError{err: err, path: cmd.CommandPath()}
	}
	return err
}

// runMain is main without the process: it runs the command line, reports
// an error on stderr (one JSON object under -o json or --json, so that a
// script reads failures as it reads results) and returns the exit status.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout, stderr)
	code := exitCode(err)
	if err == nil {
		return code
	}
	var u usageError
	if jsonOutput(args) {
		report := map[string]any{"error": err.Error(), "exit_code": code}
		if ae := (*apperr.Error)(nil); errors.As(err, &ae) && ae.Reason != "" {
			report["reason"] = ae.Reason
		}
		if errors.As(err, &u) && u.path != "" {
			report["usage"] = u.path + " --help"
		}
		_ = json.NewEncoder(stderr).Encode(report)
		return code
	}
	fmt.Fprintln(stderr, "userbridge:", err)
	if errors.As(err, &u) && u.path != "" {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", u.path)
	}
	return code
}

// jsonOutput reports whether the command line asks for JSON output (-o
// json, --output json, --json), read from the arguments themselves so that
// it holds even when the flags did not parse.
func jsonOutput(args []string) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "--json" || a == "--json=true" || a == "-ojson" || a == "--output=json" || a == "-o=json":
			return true
		case (a == "-o" || a == "--output") && i+1 < len(args) && args[i+1] == "json":
			return true
		}
	}
	return false
}

// exitCode is the process status for err: 0, 2 for a usage error (a flag
// missing, unknown or not valid; a command unknown), 1 otherwise.
func exitCode(err error) int {
	var u usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u), apperr.Is(err, apperr.Invalid):
		return 2
	}
	return 1
}

// usageError is a command line that cannot run as written; path names the
// command whose help says how.
type usageError struct {
	err  error
	path string
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{err: fmt.Errorf(format, args...)}
}

// noCommand refuses arguments to a command that takes only flags, as an
// unknown command when it has subcommands.
func noCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2 // cobra's default, which SuggestionsFor does not apply
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			return usageErrorf("unknown command %q for %q; did you mean %q?", args[0], cmd.CommandPath(), strings.Join(s, `" or "`))
		}
		return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return usageErrorf("%s takes no arguments, only flags", cmd.CommandPath())
}

// group is a command that only holds others: alone, it is a usage error
// listing them.
func group(use, short string, children ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  noCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var names []string
			for _, c := range cmd.Commands() {
				names = append(names, c.Name())
			}
			return usageErrorf("%s needs a command: %s", cmd.CommandPath(), strings.Join(names, ", "))
		},
	}
	g.AddCommand(children...)
	return g
}

// required returns the value of a string flag, or a usage error saying
// what it must hold.
func required(fs *pflag.FlagSet, name, what string) (string, error) {
	v, _ := fs.GetString(name)
	if strings.TrimSpace(v) == "" {
		return "", usageErrorf("--%s is required: %s", name, what)
	}
	return v, nil
}

// flagged names the flag at fault in an error of the rules: an invalid
// field becomes that flag (first_name: --first-name), a missing object the
// flag that named it.
func flagged(err error, flag string) error {
	if err == nil {
		return nil
	}
	e := apperr.As(err)
	switch {
	case (e.Kind == apperr.Invalid || e.Kind == apperr.Conflict) && e.Field != "":
		return fmt.Errorf("--%s: %w", strings.ReplaceAll(e.Field, "_", "-"), err)
	case e.Kind == apperr.NotFound && flag != "":
		return fmt.Errorf("--%s: %w", flag, err)
	}
	return err
}

// errReason is the rule's reason for err ("unknown_user"...), or "".
func errReason(err error) string {
	if e := apperr.As(err); e != nil {
		return e.Reason
	}
	return ""
}

// badFlagValue is pflag's message for a value its type cannot parse.
var badFlagValue = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-\w, )?--([\w-]+)" flag: `)

// plainFlagError rewrites pflag's parse errors (`invalid argument "abc"
// for "--id" flag: strconv.ParseInt: parsing "abc": invalid syntax`) into
// what the flag wants, in the flag's own words.
func plainFlagError(cmd *cobra.Command, err error) error {
	m := badFlagValue.FindStringSubmatchIndex(err.Error())
	if m == nil {
		return err
	}
	msg := err.Error()
	value, name, why := msg[m[2]:m[3]], msg[m[4]:m[5]], msg[m[1]:]
	f := cmd.Flags().Lookup(name)
	if f == nil {
		return err
	}
	want := map[string]string{
		"int": "a whole number", "int64": "a whole number", "uint": "a whole number, 0 or more",
		"duration": "a duration such as 90s, 15m or 1h", "bool": "true or false",
	}[f.Value.Type()]
	if want == "" { // a value of our own, whose error says what it wants
		return fmt.Errorf("--%s: %q is not valid: %s", f.Name, value, why)
	}
	return fmt.Errorf("--%s: %q is not %s: %s", f.Name, value, want, f.Usage)
}
