package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"userbridge/ent"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

const appRef = "the application's client id, as app list shows it; or give it as the argument"

func appCommand() *cobra.Command {
	return group("app", "Register, list, show and delete applications, rotate their secrets",
		appCreateCommand(), appListCommand(), appShowCommand(), appRotateCommand(), appDeleteCommand())
}

func appCreateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create --name NAME [flags]",
		Short: "Register an application (prints: client-id secret; the secret is shown once)",
		Args:  noCommand,
	}
	fs := cmd.Flags()
	fs.String("name", "", "application name (required)")
	verified := fs.Bool("verified", false, "the application is verified")
	perms := fs.StringSlice("permissions", nil, "comma-separated special permissions: "+strings.Join(policy.Permissions, ", "))
	public := fs.Bool("public", false, "an OAuth public client: no secret, PKCE required")
	redirects := fs.StringSlice("redirect-uri", nil, "an OAuth redirect URI, matched byte for byte except a port added to http://127.0.0.1/... or http://[::1]/... registered without one (repeat, or a comma-separated list)")
	scopes := fs.StringSlice("scopes", nil, "comma-separated scopes the consent screen may ask for: "+strings.Join(auth.AllScopes, ", "))
	out := withOutput(cmd)
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		name, err := required(fs, "name", "the application's name")
		if err != nil {
			return err
		}
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		app, secret, err := a.Accounts.CreateApplication(cmd.Context(), accounts.AppInput{
			Name: name, Verified: *verified, Permissions: *perms,
			Public: *public, RedirectURIs: *redirects, Scopes: *scopes,
		})
		if err != nil {
			return flagged(err, "")
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
				rows[i] = []string{app.ClientID, app.Name, yesNo(app.Verified),
					orDash(strings.Join(app.Permissions, ",")), app.CreatedAt.Format("2006-01-02")}
			}
			table(w, []string{"CLIENT ID", "NAME", "VERIFIED", "PERMISSIONS", "CREATED"}, rows)
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
		j := appOut(app, "")
		return out.print(cmd.OutOrStdout(), j, func(w io.Writer) {
			fields(w, [2]string{"client id", j.ClientID}, [2]string{"name", j.Name},
				[2]string{"verified", yesNo(j.Verified)}, [2]string{"permissions", orDash(strings.Join(j.Permissions, ","))},
				[2]string{"created", when(&j.CreatedAt)})
		})
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
