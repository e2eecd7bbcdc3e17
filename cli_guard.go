package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"userbridge/ent"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
)

// forceFlag gives a command --force, which lets it act on the last active
// administrator.
func forceFlag(cmd *cobra.Command) {
	cmd.Flags().Bool("force", false, "act even on the last active administrator")
}

// guarded is the context a command acts in: with --force, the rules let
// the operator remove the last active administrator (the command line can
// always make another one); without it they refuse, as they refuse every
// transport (accounts.ForceLastAdmin).
func guarded(cmd *cobra.Command) context.Context {
	if force, _ := cmd.Flags().GetBool("force"); force {
		return accounts.ForceLastAdmin(cmd.Context())
	}
	return cmd.Context()
}

// lastAdminError words the rules' refusal for the command line: which
// user, and the two ways on.
func lastAdminError(err error, u *ent.User, verb string) error {
	if errReason(err) != accounts.ReasonLastAdministrator {
		return flagged(err, "user")
	}
	return apperr.New(apperr.Forbidden, accounts.ReasonLastAdministrator, fmt.Sprintf("--user: %s is the last active "+
		"administrator: %s it leaves nobody to administer the store through the APIs; make another one first "+
		"(user create --admin), or add --force", u.Email, verb))
}
