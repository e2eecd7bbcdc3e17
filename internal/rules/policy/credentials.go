package policy

import (
	"userbridge/ent"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
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

// MintAPIKey decides whether the viewer may mint an API key carrying
// scopes (already known to be valid scope names): OwnCredentials, and every
// scope held by the minting credential, so that a narrowed key never mints
// a wider one. Returns forbidden (missing_scope) for a scope it lacks.
func MintAPIKey(v *auth.Viewer, scopes []string) error {
	if err := OwnCredentials(v); err != nil {
		return err
	}
	for _, s := range scopes {
		if !v.HasScope(s) {
			return forbidden(ReasonMissingScope, "the credential lacks scope "+s+", so the key cannot carry it")
		}
	}
	return nil
}

// ReadCredential decides whether the viewer may see credential c: only its
// own user's, through a first-party credential (OwnCredentials). Nobody,
// administrators included, reads another user's credentials: the contract
// lists them among nothing a reader of users sees, and what a key can do
// and when it was last used tells more than an administrator needs to end
// it (RevokeCredential). An application's own credential (no user) is
// managed from the command line only. Returns not found otherwise, exactly
// as for an id that does not exist.
func ReadCredential(v *auth.Viewer, c *ent.Credential) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if c.UserID != nil && v.User != nil && v.User.ID == *c.UserID && v.FirstParty() {
		return nil
	}
	return apperr.ErrNotFound
}

// RevokeCredential decides whether the viewer may revoke credential c of
// owner: its own through a first-party credential (OwnCredentials); another
// user's by a viewer who may change that user (ManageOthers; an
// administrator's need an administrator). To anyone else another user's
// credential is not found, like a missing id: a manager learns nothing of
// an administrator's keys, nor a key narrowed to reading (no scope modify)
// which credential ids exist, since nobody reads another user's
// credentials (ReadCredential).
func RevokeCredential(v *auth.Viewer, c *ent.Credential, owner *ent.User) error {
	if err := HasUser(v); err != nil {
		return err
	}
	if IsSelf(v, owner) {
		return OwnCredentials(v)
	}
	if c.UserID == nil || owner == nil || manageOthers(v, "revoking credentials") != nil ||
		(IsAdmin(owner) && !IsAdmin(v.User)) {
		return apperr.ErrNotFound
	}
	return nil
}

// ListCredentials decides whether the viewer may list the credentials of
// owner: its own through a first-party credential (OwnCredentials), or the
// command line's operator (auth.Operator), who reaches the database anyway
// and must find a key to revoke it. Nobody else reads another user's
// (ReadCredential); to them the owner's credentials are not found.
func ListCredentials(v *auth.Viewer, owner *ent.User) error {
	if v.IsOperator() {
		return nil
	}
	if IsSelf(v, owner) {
		return OwnCredentials(v)
	}
	if err := Authenticated(v); err != nil {
		return err
	}
	return apperr.ErrNotFound
}
