package policy

import (
	"userbridge/apperr"
	"userbridge/auth"
	"userbridge/ent"
)

// ReadUser decides whether the viewer may see target at all: itself, a
// viewer with manage_users, or an application holding users:read.
// Returns not found otherwise, so other users stay invisible.
func ReadUser(v *auth.Viewer, target *ent.User) error {
	if err := Scope(v, auth.ScopeIdentity); err != nil {
		return err
	}
	if IsSelf(v, target) || ManagesUsers(v) || appHolds(v, PermUsersRead) {
		return nil
	}
	return apperr.ErrNotFound
}

// LookUpUsers decides whether the viewer may look any user up by id
// (Edu-Focus GET /users/{id}): scope identity, and manage_users or an
// application holding users:read. Unlike ReadUser, which hides a user as
// not found, it answers forbidden (missing_permission) before any lookup,
// so a viewer without the permission learns nothing about which ids exist.
func LookUpUsers(v *auth.Viewer) error {
	if err := Scope(v, auth.ScopeIdentity); err != nil {
		return err
	}
	if ManagesUsers(v) || appHolds(v, PermUsersRead) {
		return nil
	}
	return forbidden(ReasonMissingPermission, "looking users up needs users:read or manage_users")
}

// ListUsers decides whether the viewer may list every user.
func ListUsers(v *auth.Viewer) error {
	if err := Scope(v, auth.ScopeIdentity); err != nil {
		return err
	}
	if ManagesUsers(v) || appHolds(v, PermUsersRead) {
		return nil
	}
	return forbidden(ReasonPrivilege, "listing users needs manage_users")
}

// ReadField decides whether a guarded field of a visible user may be shown:
// email needs scope email, names need scope personal.
func ReadField(v *auth.Viewer, field string) error {
	switch field {
	case "email":
		return Scope(v, auth.ScopeEmail)
	case "first_name", "last_name", "name":
		return Scope(v, auth.ScopePersonal)
	}
	return Scope(v, auth.ScopeIdentity)
}

// CreateUser decides whether the viewer may create accounts.
func CreateUser(v *auth.Viewer) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if !ManagesUsers(v) {
		return forbidden(ReasonPrivilege, "creating users needs manage_users")
	}
	return nil
}

// ModifySelf decides whether the viewer may change its own account: scope
// modify and, for an application's token, a verified application holding
// users:write.
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

// UpdateUser decides whether the viewer may apply a change to target. A user
// changes itself within ModifySelf, but never its own role, status, flags or
// privileges unless it is an administrator; changing another user needs
// manage_users, and granting administration needs an administrator.
// Returns not found when target is invisible to the viewer.
func UpdateUser(v *auth.Viewer, target *ent.User, privileged bool) error {
	if IsSelf(v, target) {
		if err := ModifySelf(v); err != nil {
			return err
		}
		if privileged && !IsAdmin(v.User) {
			return forbidden(ReasonSelfRoleOrStatus, "a user may not change their own role or status")
		}
		return nil
	}
	if err := ReadUser(v, target); err != nil {
		return err
	}
	if !ManagesUsers(v) {
		return forbidden(ReasonPrivilege, "changing another user needs manage_users")
	}
	return nil
}

// GrantAdmin decides whether the viewer may make someone an administrator
// (or take it away): only administrators may.
func GrantAdmin(v *auth.Viewer) error {
	if v == nil || !IsAdmin(v.User) {
		return forbidden(ReasonAdminRequired, "only administrators may change administration")
	}
	return nil
}

// DeleteSelf decides whether the viewer may delete its own account: a
// consented credential and, for an application, users:write.
func DeleteSelf(v *auth.Viewer) error {
	if err := HasUser(v); err != nil {
		return err
	}
	if !v.Consented {
		return forbidden(ReasonConsentRequired, "deleting an account needs a consented credential")
	}
	if v.App != nil && !appHolds(v, PermUsersWrite) {
		return forbidden(ReasonMissingPermission, "the application lacks users:write")
	}
	return nil
}

// DeleteUser decides whether the viewer may delete another user: it needs
// manage_users, and an administrator cannot delete itself this way (it uses
// DeleteSelf). Returns not found when target is invisible.
func DeleteUser(v *auth.Viewer, target *ent.User) error {
	if err := ReadUser(v, target); err != nil {
		return err
	}
	if !ManagesUsers(v) {
		return forbidden(ReasonPrivilege, "deleting users needs manage_users")
	}
	if IsSelf(v, target) {
		return forbidden(ReasonSelfDelete, "administrators cannot delete themselves")
	}
	return nil
}

// BanUsers decides whether the viewer may ban or unban anyone at all: an
// administrator with a consented credential. Dialects that must answer
// forbidden before looking the target up (Edu-Focus) ask it first; Ban
// applies it too.
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
	return nil
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
