package accounts

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/ident"
)

// Conflict reasons, one per unique field.
const (
	ReasonEmailTaken    = "email_taken"
	ReasonUsernameTaken = "username_taken"
	ReasonLoginTaken    = "login_taken"
)

// checkUnique reports the first of e-mail, username and login (any may be
// nil, all already validated) whose ident.Key is used by a user other than
// self, as a conflict on that field.
// The unique indexes remain the final word under races (classifyWrite).
func checkUnique(ctx context.Context, c *ent.Client, self int, email, username, login *string) error {
	checks := []struct {
		value  *string
		where  func(string) *ent.UserQuery
		field  string
		reason string
	}{
		{email, func(s string) *ent.UserQuery { return c.User.Query().Where(user.EmailKey(ident.Key(s))) }, "email", ReasonEmailTaken},
		{login, func(s string) *ent.UserQuery { return c.User.Query().Where(user.Login(ident.Key(s))) }, "login", ReasonLoginTaken},
		{username, func(s string) *ent.UserQuery { return c.User.Query().Where(user.UsernameKey(ident.Key(s))) }, "username", ReasonUsernameTaken},
	}
	for _, ch := range checks {
		if ch.value == nil {
			continue
		}
		taken, err := ch.where(*ch.value).Where(user.IDNEQ(self)).Exist(ctx)
		if err != nil {
			return apperr.Wrap(err, "checking uniqueness")
		}
		if taken {
			return apperr.ConflictOn(ch.field, ch.reason, ch.field+" is already taken")
		}
	}
	return nil
}

// classifyWrite turns a unique-index violation that slipped past checkUnique
// (a concurrent writer) into the same conflict the check would have given.
func classifyWrite(err error) error {
	if err == nil || !ent.IsConstraintError(err) {
		return apperr.Classify(err)
	}
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "email"):
		return apperr.ConflictOn("email", ReasonEmailTaken, "email is already taken")
	case strings.Contains(msg, "username"):
		return apperr.ConflictOn("username", ReasonUsernameTaken, "username is already taken")
	case strings.Contains(msg, "login"):
		return apperr.ConflictOn("login", ReasonLoginTaken, "login is already taken")
	}
	return apperr.Classify(err)
}

var notUsernameChar = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// suffixRoom is what a derived username's base leaves for the number that
// makes it unique.
const suffixRoom = 8

// username returns the requested username, or derives one from the login
// (or e-mail local part) and makes it unique with a numeric suffix.
func (s *Service) username(ctx context.Context, c *ent.Client, in CreateInput, login string) (string, error) {
	if in.Username != nil {
		return *in.Username, nil
	}
	base := usernameBase(login)
	for i := 0; i < 1000; i++ {
		candidate := base
		if i > 0 {
			candidate = fmt.Sprintf("%s%d", base, i+1)
		}
		if checkUsername(candidate) != nil {
			continue
		}
		taken, err := c.User.Query().Where(user.UsernameKey(ident.Key(candidate))).Exist(ctx)
		if err != nil {
			return "", apperr.Wrap(err, "deriving username")
		}
		if !taken {
			return candidate, nil
		}
	}
	return "", apperr.New(apperr.Conflict, ReasonUsernameTaken, "could not derive a free username")
}
