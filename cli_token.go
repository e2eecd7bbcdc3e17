package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"userbridge/ent/credential"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
)

func tokenCommand() *cobra.Command {
	return group("token", "Mint, list and revoke users' tokens",
		tokenCreateCommand(), tokenListCommand(), tokenRevokeCommand())
}

func tokenCreateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create USER [flags]",
		Short: "Mint a token for a user (prints only the token)",
		Args:  userArg,
	}
	fs := cmd.Flags()
	fs.String("user", "", userRef+" (required)")
	scopes := fs.StringSlice("scopes", nil, "comma-separated scopes: "+strings.Join(auth.AllScopes, ", ")+
		" (default: all for a first-party token, identity for an application's)")
	appID := fs.String("app", "", "issue the token to this application's client id (default: first-party)")
	consent := fs.Bool("consent", false, "the user consented (as on the authorization screen); first-party tokens always are")
	ttl := fs.Duration("ttl", 0, "lifetime, e.g. 24h (default: no expiry)")
	out := withOutput(cmd)
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if fs.Changed("ttl") && *ttl <= 0 {
			return usageErrorf("--ttl: %s is not a lifetime: want a positive duration such as 30m or 24h", *ttl)
		}
		a, u, err := findUser(cmd, open)
		if err != nil {
			return err
		}
		defer a.Close()
		token, c, err := a.Accounts.Issue(cmd.Context(), accounts.IssueInput{
			UserEmail: u.Email, AppID: *appID, Scopes: *scopes, Consent: *consent, TTL: *ttl})
		if err != nil {
			if errReason(err) == "unknown_application" {
				return flagged(err, "app")
			}
			return flagged(err, "user")
		}
		j := credentialOut(c, time.Now())
		if *appID != "" {
			j.Application = appID
		}
		return out.print(cmd.OutOrStdout(), struct {
			Token string `json:"token"`
			credentialJSON
		}{token, j}, func(w io.Writer) { fmt.Fprintln(w, token) })
	}
	return cmd
}

func tokenListCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list USER",
		Short: "List a user's credentials (never the tokens, which are stored hashed)",
		Args:  userArg,
	}
	cmd.Flags().String("user", "", userRef+" (required)")
	out := withOutput(cmd)
	open := readStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, u, err := findUser(cmd, open)
		if err != nil {
			return err
		}
		defer a.Close()
		cs, err := a.Accounts.Credentials(cmd.Context(), auth.Operator(), u)
		if err != nil {
			return flagged(err, "user")
		}
		now := time.Now()
		list := make([]credentialJSON, len(cs))
		for i, c := range cs {
			list[i] = credentialOut(c, now)
		}
		return out.print(cmd.OutOrStdout(), list, func(w io.Writer) {
			rows := make([][]string, len(list))
			for i, c := range list {
				app := "-"
				if c.Application != nil {
					app = *c.Application
				}
				rows[i] = []string{c.ShortID, c.Kind, app, orDash(strings.Join(c.Scopes, ",")), c.State,
					when(&c.CreatedAt), when(c.ExpiresAt), when(c.LastUsedAt)}
			}
			table(w, []string{"ID", "KIND", "APPLICATION", "SCOPES", "STATE", "CREATED", "EXPIRES", "LAST USED"}, rows)
		})
	}
	return cmd
}

func tokenRevokeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a credential by the id token list shows (tok_7, key_7, ref_7)",
		Args:  oneArg("credential"),
	}
	cmd.Flags().String("id", "", "the credential's id: "+credentialSpelling+"; or give it as the argument")
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ref, err := argOrFlag(cmd, "id", "ID", "the credential's id: "+credentialSpelling)
		if err != nil {
			return err
		}
		id, kind, err := parseCredentialRef(ref)
		if err != nil {
			return usageErrorf("--id: %v", err)
		}
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		if kind != "" {
			// The prefix names a kind: a credential of another kind
			// under the same number is not the one meant.
			n, err := a.Store.Client.Credential.Query().Where(credential.ID(id), credential.KindEQ(kind)).Count(cmd.Context())
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("--id: %w", apperr.New(apperr.NotFound, "unknown_credential", "no credential "+ref))
			}
		}
		c, err := a.Accounts.Revoke(cmd.Context(), auth.Operator(), id)
		if err != nil {
			return flagged(err, "id")
		}
		fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", credentialRef(c))
		return nil
	}
	return cmd
}
