package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"userbridge/ent"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

const appRef = "the application's client id, as app list shows it; or give it as the argument"

func appCommand() *cobra.Command {
	return group("app", "Register, list, show, update and delete applications, rotate their secrets",
		appCreateCommand(), appListCommand(), appShowCommand(), appUpdateCommand(), appRotateCommand(), appDeleteCommand())
}

// appFlags are the settings of an application that create and update
// share; each list flag repeats or takes a comma-separated list.
func appFlags(fs *pflag.FlagSet, update bool) {
	name, lists := "application name (required)", " (repeat, or a comma-separated list)"
	if update {
		name, lists = "new application name", " (repeat, or a comma-separated list); replaces the registered list, '' clears it"
	}
	fs.String("name", "", name)
	fs.Bool("verified", false, "the application is verified (may act on accounts, with its permissions)")
	fs.StringSlice("permissions", nil, "special permissions: "+strings.Join(policy.Permissions, ", ")+lists)
	fs.StringSlice("redirect-uri", nil, "an OAuth redirect URI, matched byte for byte except a port added to http://127.0.0.1/... or "+
		"http://[::1]/... registered without one"+lists)
	fs.StringSlice("post-logout-uri", nil, "where OpenID Connect logout may send the browser back, matched byte for byte"+lists)
	fs.StringSlice("scopes", nil, "scopes the consent screen may ask for: "+strings.Join(auth.AllScopes, ", ")+lists)
	fs.StringSlice("origin", nil, "a browser origin (https://host[:port]) allowed to call the token endpoints, for a public client"+lists)
}

// appFlagNames are the flags that set each field of the rules' errors.
var appFlagNames = map[string]string{"name": "name", "permissions": "permissions", "scopes": "scopes",
	"redirectUris": "redirect-uri", "postLogoutRedirectUris": "post-logout-uri", "allowedOrigins": "origin"}

// appFlagged names the flag at fault in an error of the application rules.
func appFlagged(err error) error {
	if e := apperr.As(err); e != nil && e.Kind == apperr.Invalid {
		if f, ok := appFlagNames[e.Field]; ok {
			return fmt.Errorf("--%s: %w", f, err)
		}
	}
	return flagged(err, "app")
}

func appCreateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create --name NAME [flags]",
		Short: "Register an application (prints: client-id secret; the secret is shown once)",
		Long: "create registers an application. One that signs people in (the OAuth code flow) needs a\n" +
			"--redirect-uri and --scopes; a public client (--public: a browser or mobile application,\n" +
			"no secret, PKCE) always signs people in. A confidential client without a redirect URI acts\n" +
			"alone (client credentials, the legacy dialects' Basic authentication).",
		Args: noCommand,
	}
	fs := cmd.Flags()
	appFlags(fs, false)
	public := fs.Bool("public", false, "an OAuth public client: no secret, PKCE required")
	out := withOutput(cmd)
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		name, err := required(fs, "name", "the application's name")
		if err != nil {
			return err
		}
		in := accounts.AppInput{Name: name, Public: *public}
		in.Verified, _ = fs.GetBool("verified")
		in.Permissions, _ = fs.GetStringSlice("permissions")
		in.RedirectURIs, _ = fs.GetStringSlice("redirect-uri")
		in.PostLogoutRedirectURIs, _ = fs.GetStringSlice("post-logout-uri")
		in.Scopes, _ = fs.GetStringSlice("scopes")
		in.AllowedOrigins, _ = fs.GetStringSlice("origin")
		// Checked before the store is opened: a command line that cannot
		// work writes nothing, not even a new database.
		if err := accounts.CheckAppInput(in); err != nil {
			return usageError{err: appFlagged(err)}
		}
		if err := accounts.CheckSignIn(in); err != nil {
			return usageError{err: appFlagged(err)}
		}
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		app, secret, err := a.Accounts.CreateApplication(cmd.Context(), in)
		if err != nil {
			return appFlagged(err)
		}
		return out.print(cmd.OutOrStdout(), appOut(app, secret), func(w io.Writer) {
			if app.Public {
				fmt.Fprintln(w, app.ClientID) // a public client has no secret
				return
			}
			fmt.Fprintf(w, "%s %s\n", app.ClientID, secret)
		})
	}
	return cmd
}

func appListCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List every application", Args: noCommand}
	out := withOutput(cmd)
	open := readStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		apps, err := a.Accounts.Applications(cmd.Context(), auth.Operator())
		if err != nil {
			return err
		}
		list := make([]appJSON, len(apps))
		for i, app := range apps {
			list[i] = appOut(app, "")
		}
		return out.print(cmd.OutOrStdout(), list, func(w io.Writer) {
			rows := make([][]string, len(list))
			for i, app := range list {
				rows[i] = []string{app.ClientID, app.Name, app.Type, yesNo(app.Verified),
					orDash(strings.Join(app.Permissions, ",")), orDash(strings.Join(app.Scopes, ",")),
					app.CreatedAt.Format("2006-01-02")}
			}
			table(w, []string{"CLIENT ID", "NAME", "TYPE", "VERIFIED", "PERMISSIONS", "SCOPES", "CREATED"}, rows)
		})
	}
	return cmd
}

func appShowCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "show CLIENT_ID", Short: "Show one application", Args: oneArg("application")}
	cmd.Flags().String("app", "", appRef+" (required)")
	out := withOutput(cmd)
	open := readStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, app, err := findApp(cmd, open)
		if err != nil {
			return err
		}
		defer a.Close()
		return printApp(cmd, out, appOut(app, ""))
	}
	return cmd
}

// printApp shows one application: every setting, a list per line.
func printApp(cmd *cobra.Command, out output, j appJSON) error {
	return out.print(cmd.OutOrStdout(), j, func(w io.Writer) {
		list := func(l []string) string { return orDash(strings.Join(l, " ")) }
		fields(w, [2]string{"client id", j.ClientID}, [2]string{"name", j.Name}, [2]string{"type", j.Type},
			[2]string{"verified", yesNo(j.Verified)}, [2]string{"permissions", list(j.Permissions)},
			[2]string{"redirect uris", list(j.RedirectURIs)}, [2]string{"post-logout uris", list(j.PostLogoutRedirectURIs)},
			[2]string{"scopes", list(j.Scopes)}, [2]string{"origins", list(j.AllowedOrigins)},
			[2]string{"created", when(&j.CreatedAt)})
	})
}

func appUpdateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update CLIENT_ID [flags]",
		Short: "Change an application's name, redirect URIs, scopes, origins, permissions (only the flags given)",
		Long: "update changes the settings given and keeps the others; a list flag replaces the registered\n" +
			"list ('' clears it). Public or confidential stays, as does the secret (rotate-secret).\n" +
			"Tokens already issued keep their scopes until they expire or are revoked.",
		Args: oneArg("application"),
	}
	fs := cmd.Flags()
	fs.String("app", "", appRef+" (required)")
	appFlags(fs, true)
	out := withOutput(cmd)
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		id, err := argOrFlag(cmd, "app", "CLIENT_ID", "the application's client id, as app list shows it")
		if err != nil {
			return err
		}
		var ch accounts.AppChange
		ch.Name = optional(fs, "name")
		if fs.Changed("verified") {
			ch.Verified = new(false)
			*ch.Verified, _ = fs.GetBool("verified")
		}
		for flag, dst := range map[string]**[]string{"permissions": &ch.Permissions, "redirect-uri": &ch.RedirectURIs,
			"post-logout-uri": &ch.PostLogoutRedirectURIs, "scopes": &ch.Scopes, "origin": &ch.AllowedOrigins} {
			if fs.Changed(flag) {
				l, _ := fs.GetStringSlice(flag)
				*dst = &l
			}
		}
		if ch == (accounts.AppChange{}) {
			return usageErrorf("nothing to change: give at least one of --name, --verified, --permissions, " +
				"--redirect-uri, --post-logout-uri, --scopes, --origin")
		}
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		app, err := a.Accounts.ChangeApplication(cmd.Context(), auth.Operator(), id, ch)
		if err != nil {
			return appFlagged(err)
		}
		return printApp(cmd, out, appOut(app, ""))
	}
	return cmd
}

func appRotateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rotate-secret CLIENT_ID",
		Short: "Give an application a new secret (prints it once); the old one stops working",
		Args:  oneArg("application"),
	}
	cmd.Flags().String("app", "", appRef+" (required)")
	out := withOutput(cmd)
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, app, err := findApp(cmd, open)
		if err != nil {
			return err
		}
		defer a.Close()
		app, secret, err := a.Accounts.RotateSecret(cmd.Context(), auth.Operator(), app.ClientID)
		if err != nil {
			return flagged(err, "app")
		}
		return out.print(cmd.OutOrStdout(), appOut(app, secret), func(w io.Writer) {
			fmt.Fprintf(w, "%s %s\n", app.ClientID, secret)
		})
	}
	return cmd
}

func appDeleteCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete CLIENT_ID",
		Short: "Delete an application and every token issued to it",
		Args:  oneArg("application"),
	}
	cmd.Flags().String("app", "", appRef+" (required)")
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, app, err := findApp(cmd, open)
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.Accounts.DeleteApplication(cmd.Context(), auth.Operator(), app.ClientID); err != nil {
			return flagged(err, "app")
		}
		fmt.Fprintf(cmd.OutOrStdout(), "deleted %s\n", app.ClientID)
		return nil
	}
	return cmd
}

// findApp reads the client id of the argument or --app, opens the store
// and finds the application.
func findApp(cmd *cobra.Command, open storeOpener) (*admin, *ent.Application, error) {
	id, err := argOrFlag(cmd, "app", "CLIENT_ID", "the application's client id, as app list shows it")
	if err != nil {
		return nil, nil, err
	}
	a, err := open(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	app, err := a.Accounts.Application(cmd.Context(), auth.Operator(), id)
	if err != nil {
		a.Close()
		return nil, nil, flagged(err, "app")
	}
	return a, app, nil
}
