package policy

import (
	"userbridge/ent"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
)

// ReadUser decides whether the viewer may see target at all: itself, or a
// viewer that reads other users (ReadsUsers). Returns not found otherwise,
// so other users stay invisible.
func ReadUser(v *auth.Viewer, target *ent.User) error {
	if err := Scope(v, auth.ScopeIdentity); err != nil {
		return err
	}
	if IsSelf(v, target) || ReadsUsers(v) {
		return nil
	}
	return apperr.ErrNotFound
}

// LookUpUsers decides whether the viewer may look any user up by id
// (Edu-Focus GET /users/{id}): scope identity, and ReadsUsers. Unlike
// ReadUser, which hides a user as not found, it answers forbidden
// (missing_permission) before any lookup, so a viewer without the
// permission learns nothing about which ids exist.
func LookUpUsers(v *auth.Viewer) error {
	if err := Scope(v, auth.ScopeIdentity); err != nil {
		return err
	}
	if ReadsUsers(v) {
		return nil
	}
	return forbidden(ReasonMissingPermission, "looking users up needs users:read or manage_users")
}

// ListUsers decides whether the viewer may list every user: scope identity
// and ReadsUsers.
func ListUsers(v *auth.Viewer) error {
	if err := Scope(v, auth.ScopeIdentity); err != nil {
		return err
	}
	if ReadsUsers(v) {
		return nil
	}
	return forbidden(ReasonPrivilege, "listing users needs manage_users")
}

// ReadField decides whether a guarded field of a visible user may be shown:
// email and login (a login is often an e-mail) need scope email, names
// need scope personal.
func ReadField(v *auth.Viewer, field string) error {
	switch field {
	case "email", "login":
		return Scope(v, auth.ScopeEmail)
	case "first_name", "last_name", "name":
		return Scope(v, auth.ScopePersonal)
	}
	return Scope(v, auth.ScopeIdentity)
}

// ReadFields decides whether an answer of fixed shape showing every one of
// fields of a visible user may be given: ReadField for each. The legacy
// dialects' shapes cannot leave a field out (education platform, users-v1,
// Maarch), so a credential lacking a scope gets forbidden for the whole
// answer: failing closed, rather than showing what the scope hides.
func ReadFields(v *auth.Viewer, fields ...string) error {
	for _, f := range fields {
		if err := ReadField(v, f); err != nil {
			return err
		}
	}
	return nil
}

// ReadAvatar decides whether the viewer may see the avatar of a user it may
// see: the avatar is shown with the user (Edu-Focus shows it to whoever
// reads the user), so scope identity is enough, which ReadUser already
// asks: User.avatar is a plain field of a visible user, with no resolver of
// its own on a page's hot path. The filters on it (hasAvatar,
// hasAvatarWith) ask this, so that a filter never reveals what the field
// hides, nor refuses what it shows.
func ReadAvatar(v *auth.Viewer) error { return Scope(v, auth.ScopeIdentity) }

// CreateUser decides whether the viewer may create accounts: ManageOthers.
// Creating one with a role, flags or privileges needs GrantAdmin as well.
func CreateUser(v *auth.Viewer) error {
	return manageOthers(v, "creating users")
}

// ModifySelf decides whether the viewer may change its own account
// (username, names, avatar): scope modify and, for an application's token,
// a verified application holding users:write.
func ModifySelf(v *auth.Viewer) error {
	if err := HasUser(v); err != nil {
		return err
	}
	if err := Scope(v, auth.ScopeModify); err != nil {
		return err
	}
	if v.App != nil {
		if !v.App.Verified {
			return forbidden(ReasonUnverifiedApp, "only verified applications may modify accounts")
		}
		if !appHolds(v, PermUsersWrite) {
			return forbidden(ReasonMissingPermission, "the application lacks users:write")
		}
	}
	return nil
}

// Change tells UpdateUser which kinds of account fields a change touches.
type Change struct {
	// Email or Password: the keys to the account. On one's own account they
	// need a first-party credential (and, for a password, the current one,
	// which package accounts checks).
	Email, Password bool
	// Standing: status, verified, mode; a user may not change its own.
	Standing bool
	// Grants: role, flags, privileges; only administrators change them.
	Grants bool
}

// UpdateUser decides whether the viewer may apply a change to target.
//
// On its own account a user needs ModifySelf, a first-party credential for
// its e-mail or password, and to be an administrator (AdminAct) for its
// standing or grants. Another user needs ManageOthers, and AdminAct when
// target is an administrator or the change touches grants.
// Returns not found when target is invisible to the viewer.
func UpdateUser(v *auth.Viewer, target *ent.User, c Change) error {
	if IsSelf(v, target) {
		if err := ModifySelf(v); err != nil {
			return err
		}
		if (c.Email || c.Password) && !v.FirstParty() {
			return forbidden(ReasonFirstParty, "changing one's e-mail or password needs a first-party credential")
		}
		if c.Standing || c.Grants {
			if !IsAdmin(v.User) {
				return forbidden(ReasonSelfRoleOrStatus, "a user may not change their own role or status")
			}
			return AdminAct(v)
		}
		return nil
	}
	if err := changeOther(v, target, "changing another user"); err != nil {
		return err
	}
	if c.Grants {
		return GrantAdmin(v)
	}
	return nil
}

// ChangeUsers decides what UpdateUser refuses whatever the target, before
// the target is looked up: an application acting alone (it never writes)
// and a credential without scope modify (every change needs it, to oneself
// or another). Refusing these first answers an existing id and a missing
// one alike, so a key narrowed to reading learns nothing from a refused
// write (see Refusals in package documentation).
func ChangeUsers(v *auth.Viewer) error { return writeUsers(v, "changing another user") }

// DeleteUsers is ChangeUsers for DeleteUser.
func DeleteUsers(v *auth.Viewer) error { return writeUsers(v, "deleting users") }

func writeUsers(v *auth.Viewer, action string) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if v.User == nil {
		return forbidden(ReasonAppAlone, action+" is not for an application acting alone")
	}
	return Scope(v, auth.ScopeModify)
}

// changeOther decides whether the viewer may change target, another user:
// ActOnOther. A viewer that may neither read nor change other users gets
// not found, so they stay invisible.
func changeOther(v *auth.Viewer, target *ent.User, action string) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if err := actOnOther(v, target, action); err != nil {
		if !ReadsUsers(v) && apperr.As(err).Reason != ReasonAdminRequired {
			return apperr.ErrNotFound
		}
		return err
	}
	return nil
}

// GrantAdmin decides whether the viewer may set anyone's role, flags or
// privileges (making administrators and managers): AdminAct.
func GrantAdmin(v *auth.Viewer) error {
	return AdminAct(v)
}

// DeleteSelf decides whether the viewer may delete its own account: a
// consented credential and, for an application, users:write (Edu-Focus's
// documented rule, whatever the token's scopes). A first-party credential,
// consented by nature, also needs scope modify: a key narrowed to reading
// must not be able to destroy the account.
func DeleteSelf(v *auth.Viewer) error {
	if err := HasUser(v); err != nil {
		return err
	}
	if !v.Consented {
		return forbidden(ReasonConsentRequired, "deleting an account needs a consented credential")
	}
	if v.App == nil {
		return Scope(v, auth.ScopeModify)
	}
	if !appHolds(v, PermUsersWrite) {
		return forbidden(ReasonMissingPermission, "the application lacks users:write")
	}
	return nil
}

// DeleteUser decides whether the viewer may delete another user:
// ManageOthers, AdminAct for an administrator, and never itself (it uses
// DeleteSelf). Returns not found when target is invisible.
func DeleteUser(v *auth.Viewer, target *ent.User) error {
	if IsSelf(v, target) {
		if err := manageOthers(v, "deleting users"); err != nil {
			return err
		}
		return forbidden(ReasonSelfDelete, "administrators cannot delete themselves")
	}
	return changeOther(v, target, "deleting users")
}

// BanUsers decides whether the viewer may ban or unban anyone at all: an
// administrator with a consented credential carrying scope modify; for an
// application's token, a verified application holding users:write (a ban
// changes another user, so the rule "all of" applies in full). Dialects
// that must answer forbidden before looking the target up (Edu-Focus) ask
// it first; Ban applies it too.
func BanUsers(v *auth.Viewer) error {
	if err := HasUser(v); err != nil {
		return err
	}
	if !IsAdmin(v.User) {
		return forbidden(ReasonAdminRequired, "banning needs an administrator")
	}
	if !v.Consented {
		return forbidden(ReasonConsentRequired, "banning needs a consented credential")
	}
	if v.App != nil && !v.App.Verified {
		return forbidden(ReasonUnverifiedApp, "only verified applications may ban users")
	}
	if v.App != nil && !appHolds(v, PermUsersWrite) {
		return forbidden(ReasonMissingPermission, "the application lacks users:write")
	}
	return Scope(v, auth.ScopeModify)
}

// Ban decides whether the viewer may ban or unban target: BanUsers, and
// never itself.
func Ban(v *auth.Viewer, target *ent.User) error {
	if err := BanUsers(v); err != nil {
		return err
	}
	if IsSelf(v, target) {
		return forbidden("forbidden", "administrators cannot ban themselves")
	}
	return nil
}
