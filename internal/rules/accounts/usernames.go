package accounts

import (
	"strings"

	"userbridge/ent/schema"
	"userbridge/internal/rules/ident"
)

// usernameBase is what a derived username starts from: the login (or the
// e-mail's local part) with only username characters kept, cut to leave
// room for a numeric suffix, padded to the shortest username.
func usernameBase(login string) string {
	base, _, _ := strings.Cut(login, "@")
	base = notUsernameChar.ReplaceAllString(base, "")
	if n := schema.MaxUsernameLen - suffixRoom; len(base) > n {
		base = base[:n]
	}
	for len(base) < schema.MinUsernameLen {
		base += "_"
	}
	return base
}

// FirstUsername is the username FreeUsername gives a person without one
// when nobody holds it yet, "" when that first candidate is not a valid
// username (FreeUsername then looks further). An import checks the first
// candidates of a whole batch in one statement and asks FreeUsername only
// for the people whose candidate is taken.
func FirstUsername(email string, login *string) string {
	key := ident.Key(email)
	if login != nil {
		key = ident.Key(*login)
	}
	base := usernameBase(key)
	if checkUsername(base) != nil {
		return ""
	}
	return base
}
