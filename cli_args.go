package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// oneArg accepts the one object a command acts on (a user, an
// application, a credential) as its argument, or none when a flag names it.
func oneArg(noun string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 1 {
			return usageErrorf("%s acts on one %s, not %d: %s", cmd.CommandPath(), noun, len(args), strings.Join(args, " "))
		}
		return nil
	}
}

// argOrFlag returns what names the object a command acts on: its argument
// or --flag, once. placeholder is the argument's name in the usage line
// (CLIENT_ID); what says what it holds.
func argOrFlag(cmd *cobra.Command, flag, placeholder, what string) (string, error) {
	ref, _ := cmd.Flags().GetString(flag)
	if args := cmd.Flags().Args(); len(args) == 1 {
		if ref != "" && ref != args[0] {
			return "", usageErrorf("give %s once: %s or --%s %s, not both", placeholder, args[0], flag, ref)
		}
		ref = args[0]
	}
	if strings.TrimSpace(ref) == "" {
		return "", usageErrorf("%s is required: %s %s, or --%s %s; %s is %s",
			placeholder, cmd.CommandPath(), placeholder, flag, placeholder, placeholder, what)
	}
	return ref, nil
}
