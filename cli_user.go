package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/rules/policy"
)

const userRef = "the user's e-mail address, public id or id; or give it as the argument"

func userCommand() *cobra.Command {
	return group("user", "Create, list, show, delete, ban users and reset passwords",
		userCreateCommand(), userListCommand(), userShowCommand(), userDeleteCommand(),
		userSetPasswordCommand(), userBanCommand("ban"), userBanCommand("unban"))
}

func userCreateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create --email ADDRESS [flags]",
		Short: "Create a user (prints: id public-id e-mail)",
		Args:  noCommand,
	}
	fs := cmd.Flags()
	fs.String("email", "", "e-mail address (required)")
	passwordFlags(fs)
	admin := fs.Bool("admin", false, "make the user an administrator")
	first := fs.String("first-name", "", "first name")
	last := fs.String("last-name", "", "last name")
	fs.String("name", "", "display name")
	fs.String("username", "", "username (derived from the e-mail when empty)")
	fs.String("login", "", "login (the lowercased e-mail when empty)")
	privs := fs.StringSlice("privileges", nil, "comma-separated privileges: "+strings.Join(policy.Privileges, ", "))
	verified := fs.Bool("verified", false, "mark the e-mail verified")
	out := withOutput(cmd)
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		email, err := required(fs, "email", "the new user's e-mail address")
		if err != nil {
			return err
		}
		in := accounts.CreateInput{Email: email, FirstName: *first, LastName: *last,
			Privileges: *privs, Verified: *verified,
			Name: optional(fs, "name"), Username: optional(fs, "username"), Login: optional(fs, "login")}
		if in.Password, err = password(cmd, false); err != nil {
			return err
		}
		if *admin {
			in.Role = new(user.RoleAdmin)
		}
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		u, err := a.Accounts.Create(cmd.Context(), auth.Operator(), in)
		if err != nil {
			return flagged(err, "")
		}
		return out.print(cmd.OutOrStdout(), userOut(u), func(w io.Writer) {
			fmt.Fprintf(w, "%d %s %s\n", u.ID, u.PublicID, u.Email)
		})
	}
	return cmd
}

func userListCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List every user", Args: noCommand}
	out := withOutput(cmd)
	open := readStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, err := open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		q, err := a.Accounts.List(cmd.Context(), auth.Operator())
		if err != nil {
			return err
		}
		users, err := q.Order(ent.Asc(user.FieldID)).All(cmd.Context())
		if err != nil {
			return err
		}
		list := make([]userJSON, len(users))
		for i, u := range users {
			list[i] = userOut(u)
		}
		return out.print(cmd.OutOrStdout(), list, func(w io.Writer) {
			rows := make([][]string, len(list))
			for i, u := range list {
				rows[i] = []string{fmt.Sprint(u.ID), u.PublicID, u.Email, u.Username, u.Role, u.Status,
					yesNo(u.Verified), orDash(strings.Join(u.Privileges, ",")), u.CreatedAt.Format("2006-01-02")}
			}
			table(w, []string{"ID", "PUBLIC ID", "EMAIL", "USERNAME", "ROLE", "STATUS", "VERIFIED", "PRIVILEGES", "CREATED"}, rows)
		})
	}
	return cmd
}

func userShowCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "show USER", Short: "Show one user", Args: userArg}
	cmd.Flags().String("user", "", userRef+" (required)")
	out := withOutput(cmd)
	open := readStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, u, err := findUser(cmd, open)
		if err != nil {
			return err
		}
		defer a.Close()
		j := userOut(u)
		ids, err := legacyids.Of(cmd.Context(), a.Accounts.Client, u)
		if err != nil {
			return err
		}
		j.LegacyIDs = &legacyIDsJSON{Eduplatform: ids.Eduplatform, Edufocus: ids.Edufocus, Usersv1: ids.Usersv1, Maarch: ids.Maarch}
		return out.print(cmd.OutOrStdout(), j, func(w io.Writer) {
			name := "-"
			if j.Name != nil {
				name = *j.Name
			}
			fields(w, [2]string{"id", fmt.Sprint(j.ID)}, [2]string{"public id", j.PublicID},
				[2]string{"email", j.Email}, [2]string{"username", j.Username}, [2]string{"login", j.Login},
				[2]string{"first name", orDash(j.FirstName)}, [2]string{"last name", orDash(j.LastName)},
				[2]string{"name", name}, [2]string{"role", j.Role}, [2]string{"status", j.Status},
				[2]string{"verified", yesNo(j.Verified)}, [2]string{"privileges", orDash(strings.Join(j.Privileges, ","))},
				[2]string{"password", passwordState(j.HasPassword)},
				[2]string{"created", when(&j.CreatedAt)},
				[2]string{"legacy ids", fmt.Sprintf("eduplatform %d, edufocus %s, usersv1 %s, maarch %d",
					ids.Eduplatform, ids.Edufocus, ids.Usersv1, ids.Maarch)})
		})
	}
	return cmd
}

func userDeleteCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "delete USER", Short: "Delete a user with its files, signatures and credentials", Args: userArg}
	cmd.Flags().String("user", "", userRef+" (required)")
	forceFlag(cmd)
	open := withStore(cmd, true)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, u, err := findUser(cmd, open)
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.Accounts.Delete(guarded(cmd), auth.Operator(), u.ID); err != nil {
			return lastAdminError(err, u, "deleting")
		}
		fmt.Fprintf(cmd.OutOrStdout(), "deleted %s %s\n", u.PublicID, u.Email)
		return nil
	}
	return cmd
}

func userSetPasswordCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set-password USER (--password PASSWORD | --password-stdin)",
		Short: "Set a user's password; every credential of the user is revoked",
		Args:  userArg,
	}
	cmd.Flags().String("user", "", userRef+" (required)")
	passwordFlags(cmd.Flags())
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		pw, err := password(cmd, true)
		if err != nil {
			return err
		}
		a, u, err := findUser(cmd, open)
		if err != nil {
			return err
		}
		defer a.Close()
		if _, _, err := a.Accounts.Update(cmd.Context(), auth.Operator(), u.ID, accounts.UpdateInput{Password: pw}); err != nil {
			return flagged(err, "user")
		}
		fmt.Fprintf(cmd.OutOrStdout(), "password set for %s; its credentials are revoked\n", u.Email)
		return nil
	}
	return cmd
}

func userBanCommand(verb string) *cobra.Command {
	short := "Ban a user: every credential of theirs is revoked"
	if verb == "unban" {
		short = "Make a banned user active again"
	}
	cmd := &cobra.Command{Use: verb + " USER", Short: short, Args: userArg}
	cmd.Flags().String("user", "", userRef+" (required)")
	if verb == "ban" {
		forceFlag(cmd)
	}
	open := withStore(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, u, err := findUser(cmd, open)
		if err != nil {
			return err
		}
		defer a.Close()
		act := a.Accounts.Ban
		if verb == "unban" {
			act = a.Accounts.Unban
		}
		banned, err := act(guarded(cmd), auth.Operator(), u.ID)
		if err != nil {
			return lastAdminError(err, u, "banning")
		}
		u = banned
		fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", u.Email, u.Status)
		return nil
	}
	return cmd
}

// findUser reads the user named by the argument or --user, opens the
// store and finds it: by e-mail address, public id, or integer id (the
// legacy dialects' and `user list`'s ID column), a public id first for
// eight digits, which could be either.
func findUser(cmd *cobra.Command, open storeOpener) (*admin, *ent.User, error) {
	ref, _ := cmd.Flags().GetString("user")
	if args := cmd.Flags().Args(); len(args) == 1 {
		if ref != "" && ref != args[0] {
			return nil, nil, usageErrorf("name the user once: %s or --user %s, not both", args[0], ref)
		}
		ref = args[0]
	}
	if strings.TrimSpace(ref) == "" {
		return nil, nil, usageErrorf("name the user: %s USER, or --user USER; USER is its e-mail address, public id or id", cmd.CommandPath())
	}
	a, err := open(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	u, err := a.Accounts.FindUser(cmd.Context(), auth.Operator(), ref)
	if id, convErr := strconv.Atoi(ref); err != nil && convErr == nil && id > 0 &&
		(apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Invalid)) {
		u, err = a.Accounts.Get(cmd.Context(), auth.Operator(), id)
		if apperr.Is(err, apperr.NotFound) {
			err = apperr.New(apperr.NotFound, "unknown_user", "no user "+ref)
		}
	}
	if err != nil {
		a.Close()
		return nil, nil, flagged(err, "user")
	}
	return a, u, nil
}

// userArg accepts the one user a command acts on as its argument (or
// none, with --user).
func userArg(cmd *cobra.Command, args []string) error {
	if len(args) > 1 {
		return usageErrorf("%s acts on one user, not %d: %s", cmd.CommandPath(), len(args), strings.Join(args, " "))
	}
	return nil
}

func passwordFlags(fs *pflag.FlagSet) {
	fs.String("password", "", fmt.Sprintf("password, %d to %d characters (visible to other local users: prefer --password-stdin)",
		accounts.MinPassword, accounts.MaxPassword))
	fs.Bool("password-stdin", false, "read the password from the first line of standard input")
}

// password returns the password of --password or --password-stdin: nil
// when neither is given and none is needed.
func password(cmd *cobra.Command, need bool) (*string, error) {
	fs := cmd.Flags()
	fromStdin, _ := fs.GetBool("password-stdin")
	if fromStdin && fs.Changed("password") {
		return nil, usageErrorf("--password and --password-stdin: give one, not both")
	}
	if fromStdin {
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && line == "" {
			return nil, usageErrorf("--password-stdin: no password on standard input")
		}
		line = strings.TrimRight(line, "\r\n")
		return &line, nil
	}
	if !fs.Changed("password") {
		if need {
			return nil, usageErrorf("--password or --password-stdin is required: %d to %d characters",
				accounts.MinPassword, accounts.MaxPassword)
		}
		return nil, nil
	}
	pw, _ := fs.GetString("password")
	return &pw, nil
}

// optional returns the value of a string flag when it was given.
func optional(fs *pflag.FlagSet, name string) *string {
	if !fs.Changed(name) {
		return nil
	}
	v, _ := fs.GetString(name)
	return &v
}

func passwordState(set bool) string {
	if set {
		return "set"
	}
	return "none (log in impossible until set-password)"
}
