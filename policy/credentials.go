package policy

import (
	"userbridge/apperr"
	"userbridge/auth"
	"userbridge/ent"
)

// OwnCredentials decides whether the viewer may list, mint or revoke its
// own user's credentials: a first-party credential. An application's token
// never manages the user's keys (it could mint itself a wider one).
func OwnCredentials(v *auth.Viewer) error {
	if err := HasUser(v); err != nil {
		return err
	}
	if !v.FirstParty() {
		return forbidden(ReasonFirstParty, "only a first-party credential manages the account's credentials")
	}
	return nil
}

// ReadCredential decides whether the viewer may see credential c: its own
// user's through a first-party credential, another user's when the viewer
// ManagesUsers. An application's own credential (no user) is managed from
// the command line only. Returns not found otherwise.
func ReadCredential(v *auth.Viewer, c *ent.Credential) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	switch {
	case c.UserID == nil:
		return apperr.ErrNotFound
	case v.User != nil && v.User.ID == *c.UserID:
		if !v.FirstParty() {
			return apperr.ErrNotFound
		}
		return nil
	case ManagesUsers(v):
		return nil
	}
	return apperr.ErrNotFound
}

// RevokeCredential decides whether the viewer may revoke a credential of
// owner: its own through a first-party credential (OwnCredentials),
// another user's per ActOnOther (an administrator's need an
// administrator). Returns not found when the credential is invisible.
func RevokeCredential(v *auth.Viewer, c *ent.Credential, owner *ent.User) error {
	if IsSelf(v, owner) {
		return OwnCredentials(v)
	}
	if err := ReadCredential(v, c); err != nil {
		return err
	}
	return ActOnOther(v, owner)
}
