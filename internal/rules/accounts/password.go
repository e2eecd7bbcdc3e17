package accounts

import (
	"context"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/auditlog"
	"userbridge/internal/rules/passwords"
)

// matchPassword checks password against u's stored hash (nil u, or one
// without a password: against nothing, after the same work) and, when it
// matches a hash that is imported or of an earlier cost, returns the
// service's own hash of it to store instead (upgrade; empty when none is
// due). The new hash is computed here, before any transaction opens, so
// no write waits on it.
func matchPassword(u *ent.User, password string) (ok bool, upgrade string, err error) {
	stored := ""
	if u != nil {
		stored = u.PasswordHash
	}
	ok, stale := passwords.Matches(stored, password)
	if !ok || !stale || u == nil {
		return ok, "", nil
	}
	if upgrade, err = passwords.Hash(password); err != nil {
		return false, "", apperr.Wrap(err, "hashing password")
	}
	return true, upgrade, nil
}

// upgradePassword stores upgrade (from matchPassword) as u's hash through
// c, the transaction of the sign-in it serves, only if the stored hash is
// still the one checked: a password changed meanwhile stays. updated_at
// stays too: the person changed nothing.
func upgradePassword(ctx context.Context, c *ent.Client, u *ent.User, upgrade string) error {
	if upgrade == "" || u == nil {
		return nil
	}
	// Nobody changed a password: no user.password_changed (auditlog.Quiet).
	err := c.User.Update().Where(user.ID(u.ID), user.PasswordHash(u.PasswordHash)).
		SetPasswordHash(upgrade).SetUpdatedAt(u.UpdatedAt).Exec(auditlog.Quiet(ctx))
	if err != nil {
		return apperr.Wrap(err, "replacing the password hash")
	}
	u.PasswordHash = upgrade
	return nil
}
