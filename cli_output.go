package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"userbridge/ent"
)

// output is how a command prints its result: a table (or a few words) for
// people, JSON for scripts with -o json (or --json, its older spelling).
type output struct {
	json   *bool
	format *formatValue
}

func withOutput(cmd *cobra.Command) output {
	o := output{format: &formatValue{name: "table"}}
	cmd.Flags().VarP(o.format, "output", "o", "output format: table (for people) or json (for scripts; errors too)")
	o.json = cmd.Flags().Bool("json", false, "print JSON for scripts instead of text (same as -o json)")
	return o
}

// formatValue is the value of -o: table or json, refused at parse time
// otherwise, before the command does anything.
type formatValue struct{ name string }

func (f *formatValue) String() string { return f.name }
func (f *formatValue) Type() string   { return "table|json" }
func (f *formatValue) Set(s string) error {
	if s != "table" && s != "json" {
		return fmt.Errorf("want table or json")
	}
	f.name = s
	return nil
}

// print writes v as indented JSON with -o json or --json, else calls text.
func (o output) print(w io.Writer, v any, text func(w io.Writer)) error {
	if *o.json || o.format.name == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(w)
	return nil
}

// table writes rows under a header, aligned in columns.
func table(w io.Writer, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// fields writes name: value lines, aligned.
func fields(w io.Writer, pairs ...[2]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, p := range pairs {
		fmt.Fprintf(tw, "%s:\t%s\n", p[0], p[1])
	}
	tw.Flush()
}

// when formats an optional time for a table: UTC to the second, or "-".
func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// userJSON is a user as the CLI prints it: never its password hash.
type userJSON struct {
	ID          int       `json:"id"`
	PublicID    string    `json:"public_id"`
	Email       string    `json:"email"`
	Username    string    `json:"username"`
	Login       string    `json:"login"`
	FirstName   string    `json:"first_name"`
	LastName    string    `json:"last_name"`
	Name        *string   `json:"name"`
	Role        string    `json:"role"`
	Status      string    `json:"status"`
	Verified    bool      `json:"verified"`
	Privileges  []string  `json:"privileges"`
	HasPassword bool      `json:"has_password"`
	CreatedAt   time.Time `json:"created_at"`
	// LegacyIDs are shown by user show only (user list leaves them out,
	// as it leaves out everything that costs a statement per user).
	LegacyIDs *legacyIDsJSON `json:"legacy_ids,omitempty"`
}

// legacyIDsJSON is the id a user has in each legacy dialect, keyed as the
// interchange format keys them (docs/legacy-ids.md).
type legacyIDsJSON struct {
	Eduplatform int    `json:"eduplatform"`
	Edufocus    string `json:"edufocus"`
	Usersv1     string `json:"usersv1"`
	Maarch      int    `json:"maarch"`
}

func userOut(u *ent.User) userJSON {
	privs := u.Privileges
	if privs == nil {
		privs = []string{}
	}
	return userJSON{ID: u.ID, PublicID: u.PublicID, Email: u.Email, Username: u.Username, Login: u.Login,
		FirstName: u.FirstName, LastName: u.LastName, Name: u.DisplayName, Role: u.Role.String(),
		Status: u.Status.String(), Verified: u.Verified, Privileges: privs, HasPassword: u.PasswordHash != "",
		CreatedAt: u.CreatedAt.UTC()}
}

// credentialJSON is a credential as the CLI prints it: never its token.
type credentialJSON struct {
	ID int `json:"id"`
	// ShortID is the id token list shows and token revoke takes
	// (tok_7; cli_credref.go); ID, the number, is taken as well.
	ShortID     string     `json:"short_id"`
	Kind        string     `json:"kind"`
	Application *string    `json:"application"`
	Scopes      []string   `json:"scopes"`
	Consented   bool       `json:"consented"`
	State       string     `json:"state"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	RevokedAt   *time.Time `json:"revoked_at"`
}

func credentialOut(c *ent.Credential, now time.Time) credentialJSON {
	out := credentialJSON{ID: c.ID, ShortID: credentialRef(c), Kind: c.Kind.String(), Scopes: c.Scopes, Consented: c.Consented,
		State: "active", CreatedAt: c.CreatedAt.UTC(), ExpiresAt: c.ExpiresAt, LastUsedAt: c.LastUsedAt, RevokedAt: c.RevokedAt}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	if a := c.Edges.Application; a != nil {
		out.Application = &a.ClientID
	}
	switch {
	case c.RevokedAt != nil:
		out.State = "revoked"
	case c.ExpiresAt != nil && !c.ExpiresAt.After(now):
		out.State = "expired"
	}
	return out
}

// appJSON is an application as the CLI prints it; Secret only right after
// it was made (create, rotate-secret). Lists are never null.
type appJSON struct {
	ClientID string `json:"client_id"`
	Name     string `json:"name"`
	// Type is public (no secret, PKCE) or confidential.
	Type                   string    `json:"type"`
	Verified               bool      `json:"verified"`
	Permissions            []string  `json:"permissions"`
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris"`
	Scopes                 []string  `json:"scopes"`
	AllowedOrigins         []string  `json:"allowed_origins"`
	CreatedAt              time.Time `json:"created_at"`
	Secret                 string    `json:"secret,omitempty"`
}

func appOut(a *ent.Application, secret string) appJSON {
	list := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	kind := "confidential"
	if a.Public {
		kind = "public"
	}
	return appJSON{ClientID: a.ClientID, Name: a.Name, Type: kind, Verified: a.Verified, Permissions: list(a.Permissions),
		RedirectURIs: list(a.RedirectUris), PostLogoutRedirectURIs: list(a.PostLogoutRedirectUris),
		Scopes: list(a.Scopes), AllowedOrigins: list(a.AllowedOrigins), CreatedAt: a.CreatedAt.UTC(), Secret: secret}
}
