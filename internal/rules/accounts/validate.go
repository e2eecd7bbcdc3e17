package accounts

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"userbridge/ent/schema"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/policy"
)

// Password length bounds, in characters.
const (
	MinPassword = 8
	MaxPassword = 128
)

var (
	emailRe    = regexp.MustCompile(`^[^@\s"<>()\[\],;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$`)
	usernameRe = regexp.MustCompile(fmt.Sprintf(`^[A-Za-z0-9_.-]{%d,%d}$`, schema.MinUsernameLen, schema.MaxUsernameLen))
)

// reservedUsernames may never be chosen: they collide with routes or roles.
var reservedUsernames = []string{"admin", "administrator", "root", "@current", "current", "me", "system", "support", "null", "undefined"}

// ValidEmail reports whether s is an e-mail address the service accepts: its
// canonical form (ident.Canonical, which refuses control characters, NUL and
// invalid UTF-8) has the shape of an address and at most schema.MaxEmailLen
// bytes.
func ValidEmail(s string) bool {
	c, ok := ident.Canonical(s)
	return ok && len(c) <= schema.MaxEmailLen && emailRe.MatchString(c)
}

func checkEmail(s string) error {
	if !ValidEmail(s) {
		return apperr.Invalidf("email", ReasonInvalidEmail, "email must be a valid e-mail address")
	}
	return nil
}

func checkPassword(s string) error {
	switch n := utf8.RuneCountInString(s); {
	case n < MinPassword:
		return apperr.Invalidf("password", ReasonPasswordTooShort, "password must be at least %d characters", MinPassword)
	case n > MaxPassword:
		return apperr.Invalidf("password", ReasonPasswordTooLong, "password must be at most %d characters", MaxPassword)
	}
	return nil
}

// checkUsername applies the edu-focus rule to the canonical form:
// schema.MinUsernameLen to schema.MaxUsernameLen of [A-Za-z0-9_.-], and no
// reserved word (compared by key).
func checkUsername(s string) error {
	c, ok := ident.Canonical(s)
	if !ok || !usernameRe.MatchString(c) {
		return apperr.Invalidf("username", ReasonUsernameRefused,
			"username is not allowed: %d to %d of letters A-Z and a-z, digits, _ . and -", schema.MinUsernameLen, schema.MaxUsernameLen)
	}
	if slices.Contains(reservedUsernames, ident.Key(c)) {
		// The same reason for both: the legacy dialects have one code for it.
		return apperr.Invalidf("username", ReasonUsernameRefused, "username is not allowed: %q is reserved", c)
	}
	return nil
}

// ValidLogin reports whether s names a login: its key (ident.Key, the form
// stored) has the shape [\w.@-]+ (ASCII word characters), at most
// schema.MaxLoginLen bytes.
func ValidLogin(s string) bool {
	c, ok := ident.Canonical(s)
	if !ok {
		return false
	}
	k := ident.Key(c)
	return len(k) <= schema.MaxLoginLen && schema.LoginPattern.MatchString(k)
}

func checkLogin(s string) error {
	if !ValidLogin(s) {
		return apperr.Invalidf("login", ReasonInvalidLogin, "login must match [\\w.@-]+")
	}
	return nil
}

func checkName(field, s string) error {
	if utf8.RuneCountInString(s) > schema.MaxNameLen || !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
		return apperr.Invalidf(field, "invalid_"+field, "%s is invalid", field)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// splitName splits a display name at its first space into first and last.
func splitName(name string) (first, last string) {
	first, last, _ = strings.Cut(strings.TrimSpace(name), " ")
	return first, strings.TrimSpace(last)
}

// checkRole refuses a role the model does not know: dialects such as
// users-v1 pass the client's string straight through.
func checkRole(r *user.Role) error {
	if r != nil && user.RoleValidator(*r) != nil {
		return apperr.Invalidf("role", ReasonInvalidRole, "role must be user or admin")
	}
	return nil
}

// checkPrivileges refuses a privilege no rule knows (policy.Privileges): a
// typo stored would grant nothing and look like a grant.
func checkPrivileges(ps []string) error {
	for _, p := range ps {
		if !slices.Contains(policy.Privileges, p) {
			return apperr.Invalidf("privileges", "invalid_privilege", "unknown privilege %q (known: %s)",
				p, strings.Join(policy.Privileges, ", "))
		}
	}
	return nil
}

// checkPermissions refuses an application permission no rule knows
// (policy.Permissions).
// checkScopes refuses a scope that does not exist, naming the known ones.
func checkScopes(scopes []string) error {
	for _, sc := range scopes {
		if !auth.ValidScope(sc) {
			return apperr.Invalidf("scopes", ReasonInvalidScope, "unknown scope %q (known: %s)",
				sc, strings.Join(auth.AllScopes, ", "))
		}
	}
	return nil
}

func checkPermissions(ps []string) error {
	for _, p := range ps {
		if !slices.Contains(policy.Permissions, p) {
			return apperr.Invalidf("permissions", "invalid_permission", "unknown permission %q (known: %s)",
				p, strings.Join(policy.Permissions, ", "))
		}
	}
	return nil
}

// checkStatus admits only active and suspended: banning has its own rule
// (Ban), and unknown strings from a dialect are refused here, not by the
// database.
func checkStatus(s *user.Status) error {
	if s != nil && (*s == user.StatusBanned || user.StatusValidator(*s) != nil) {
		return apperr.Invalidf("status", ReasonInvalidStatus, "status must be active or suspended")
	}
	return nil
}
