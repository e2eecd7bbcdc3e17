package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"userbridge/ent"
	"userbridge/ent/user"
)

// forceFlag gives a command --force, which lets it act on the last active
// administrator.
func forceFlag(cmd *cobra.Command) {
	cmd.Flags().Bool("force", false, "act even on the last active administrator")
}

// lastAdminGuard refuses, without --force, to ban or delete the store's
// last active administrator: nobody could then administer it through the
// APIs (the command line always can, by creating another). It is a guard
// against a slip of the operator, not a rule of the store: the APIs have
// their own (an administrator may not ban or delete itself), and two
// operators acting at the same moment are not serialised here.
func lastAdminGuard(ctx context.Context, cmd *cobra.Command, c *ent.Client, u *ent.User, verb string) error {
	if force, _ := cmd.Flags().GetBool("force"); force || u.Role != user.RoleAdmin || u.Status != user.StatusActive {
		return nil
	}
	n, err := c.User.Query().Where(user.RoleEQ(user.RoleAdmin), user.StatusEQ(user.StatusActive)).Count(ctx)
	if err != nil {
		return err
	}
	if n > 1 {
		return nil
	}
	return fmt.Errorf("--user: %s is the last active administrator: %s it leaves nobody to administer the store "+
		"through the APIs; make another one first (user create --admin), or add --force", u.Email, verb)
}
