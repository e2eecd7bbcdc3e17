package schema

import (
	"fmt"
	"unicode/utf8"
)

// The limits of the model's text fields, stated once: the validators of the
// schemas in this package, the rules of package accounts and files, and the
// dialects' OpenAPI documents (their tests check the figures they print)
// all read them from here.
const (
	// MinUsernameLen and MaxUsernameLen bound a username, in characters of
	// [A-Za-z0-9_.-] (the edu-focus rule, applied everywhere).
	MinUsernameLen = 3
	MaxUsernameLen = 32
	// MaxEmailLen bounds an e-mail address's canonical form, in bytes (the
	// 254 of an SMTP path, RFC 5321 4.5.3.1.3 less the angle brackets).
	MaxEmailLen = 254
	// MaxLoginLen bounds a login's key, in bytes (ASCII by its pattern).
	MaxLoginLen = 255
	// MaxNameLen bounds first, last and display names, in characters
	// (runes), as PostgreSQL's varchar(255) counts them.
	MaxNameLen = 255
	// MaxFileNameLen bounds a stored file name in bytes (what file systems
	// count; files.SanitizeName cuts to it keeping the extension).
	MaxFileNameLen = 255
)

// usernameColumnLen is the username column's size: wider than
// MaxUsernameLen, so the rule may grow without a migration.
const usernameColumnLen = 64

// maxRunes returns a validator refusing strings of more than n characters,
// for a field whose column is sized apart from its rule.
func maxRunes(n int) func(string) error {
	return func(s string) error {
		if utf8.RuneCountInString(s) > n {
			return fmt.Errorf("more than %d characters", n)
		}
		return nil
	}
}
