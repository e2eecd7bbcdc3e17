package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"userbridge/accounts"
	"userbridge/app"
	"userbridge/ent/user"
)

// command parses flags for an administration command and opens the app
// (migrated, so the commands work on a fresh database).
func command(ctx context.Context, name string, args []string, define func(fs *flag.FlagSet)) (*app.App, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	load := serverFlags(fs)
	define(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg, err := load()
	if err != nil {
		return nil, err
	}
	cfg.Logger = newLogger("text")
	return app.New(ctx, cfg)
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	a, err := command(ctx, "migrate", args, func(*flag.FlagSet) {})
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintln(stdout, "schema up to date")
	return nil
}

func userCreate(ctx context.Context, args []string, stdout io.Writer) error {
	var in accounts.CreateInput
	var password, username, login, name, privileges string
	var admin bool
	a, err := command(ctx, "user create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&in.Email, "email", "", "e-mail (required)")
		fs.StringVar(&password, "password", "", "password (8 to 128 characters)")
		fs.BoolVar(&admin, "admin", false, "make the user an administrator")
		fs.StringVar(&in.FirstName, "first-name", "", "first name")
		fs.StringVar(&in.LastName, "last-name", "", "last name")
		fs.StringVar(&name, "name", "", "display name")
		fs.StringVar(&username, "username", "", "username (derived when empty)")
		fs.StringVar(&login, "login", "", "login (the lowercased e-mail when empty)")
		fs.StringVar(&privileges, "privileges", "", "comma-separated privileges, e.g. manage_users")
		fs.BoolVar(&in.Verified, "verified", false, "mark the e-mail verified")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	in.Password, in.Username, in.Login, in.Name = optional(password), optional(username), optional(login), optional(name)
	in.Privileges = list(privileges)
	if admin {
		in.Role = new(user.RoleAdmin)
	}
	u, err := a.Accounts.Bootstrap(ctx, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d %s %s\n", u.ID, u.PublicID, u.Email)
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout io.Writer) error {
	var in accounts.IssueInput
	var scopes string
	a, err := command(ctx, "token create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&in.UserEmail, "user", "", "the user's e-mail (required)")
		fs.StringVar(&scopes, "scopes", "", "comma-separated scopes (default: all for first-party, identity for an app)")
		fs.StringVar(&in.AppID, "app", "", "issue to this application id (default: first-party)")
		fs.BoolVar(&in.Consent, "consent", false, "the user consented (authorization screen)")
		fs.DurationVar(&in.TTL, "ttl", 0, "lifetime, e.g. 24h (default: no expiry)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	in.Scopes = list(scopes)
	token, _, err := a.Accounts.Issue(ctx, in)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

func appCreate(ctx context.Context, args []string, stdout io.Writer) error {
	var in accounts.AppInput
	var perms, scopes string
	a, err := command(ctx, "app create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&in.Name, "name", "", "application name (required)")
		fs.BoolVar(&in.Verified, "verified", false, "the application is verified")
		fs.StringVar(&perms, "permissions", "", "comma-separated special permissions: users:read,users:write")
		fs.BoolVar(&in.Public, "public", false, "an OAuth public client: no secret, PKCE required")
		fs.Func("redirect-uri", "an OAuth redirect URI (repeat, or a comma-separated list)", func(v string) error {
			in.RedirectURIs = append(in.RedirectURIs, list(v)...)
			return nil
		})
		fs.StringVar(&scopes, "scopes", "", "comma-separated scopes the consent screen may ask for")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	in.Permissions, in.Scopes = list(perms), list(scopes)
	app, secret, err := a.Accounts.CreateApplication(ctx, in)
	if err != nil {
		return err
	}
	if in.Public {
		fmt.Fprintln(stdout, app.ClientID)
		return nil
	}
	fmt.Fprintf(stdout, "%s %s\n", app.ClientID, secret)
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
