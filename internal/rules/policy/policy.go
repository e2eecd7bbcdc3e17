// Package policy answers every "may this viewer do this to this object" of
// userbridge. Shared rules call it before they act; transports never decide.
//
// Each check returns nil, or an *apperr.Error whose Reason tells the
// dialects which rule failed: unauthenticated, forbidden ("missing_scope",
// "missing_permission", "consent_required", "unverified_application",
// "privilege", "admin_required", "first_party_required",
// "application_alone"...), or not found when the object must stay
// invisible. contract/authorization.md is the model these rules implement.
//
// Refusals: a refusal must not tell which ids exist. What a rule can decide
// without the object (a missing scope, an application acting alone, not
// being an administrator for a ban: ChangeUsers, DeleteUsers, BanUsers,
// LookUpUsers) is decided before the object is looked up, so an existing
// and a missing id get the same answer; what depends on the object is not
// found to a viewer who may not see it. Only a viewer who sees the object,
// and so knows it exists, is told forbidden about it.
package policy

import (
	"slices"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
)

// Privileges and application permissions the rules know.
const (
	PrivilegeManageUsers = "manage_users"
	PermUsersRead        = "users:read"
	PermUsersWrite       = "users:write"
)

// Privileges lists every privilege a user may hold, and Permissions every
// special permission an application may: anything else is refused when
// stored (accounts), since no rule would ever read it.
var (
	Privileges  = []string{PrivilegeManageUsers}
	Permissions = []string{PermUsersRead, PermUsersWrite}
)

// Reasons of the forbidden errors.
const (
	ReasonMissingScope      = "missing_scope"
	ReasonMissingPermission = "missing_permission"
	ReasonConsentRequired   = "consent_required"
	ReasonUnverifiedApp     = "unverified_application"
	ReasonPrivilege         = "privilege"
	ReasonSelfRoleOrStatus  = "self_role_or_status"
	ReasonSelfDelete        = "self_delete"
	ReasonAdminRequired     = "admin_required"
	ReasonFirstParty        = "first_party_required"
	ReasonAppAlone          = "application_alone"
)

func forbidden(reason, msg string) error { return apperr.New(apperr.Forbidden, reason, msg) }

var errUnauthenticated = apperr.New(apperr.Unauthenticated, auth.ReasonMissing, "authentication required")

// Authenticated requires some viewer.
func Authenticated(v *auth.Viewer) error {
	if v == nil {
		return errUnauthenticated
	}
	return nil
}

// HasUser requires a viewer acting for a user (not an application alone).
func HasUser(v *auth.Viewer) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if v.User == nil {
		return forbidden("forbidden", "this credential acts for no user")
	}
	return nil
}

// Scope requires the credential to carry scope s.
func Scope(v *auth.Viewer, s string) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if !v.HasScope(s) {
		return forbidden(ReasonMissingScope, "the credential lacks scope "+s)
	}
	return nil
}

// IsAdmin reports whether u is an administrator (role admin, flag 0x1).
func IsAdmin(u *ent.User) bool { return u != nil && u.Role == user.RoleAdmin }

// HasPrivilege reports whether u holds a named privilege; admins hold all.
func HasPrivilege(u *ent.User, p string) bool {
	return IsAdmin(u) || (u != nil && slices.Contains(u.Privileges, p))
}

// ReadsUsers reports whether the viewer may read users other than itself: a
// first-party credential of a user holding manage_users, or an application
// (its token for a user, or itself alone) holding users:read. A user's
// privilege never passes to an application it uses.
func ReadsUsers(v *auth.Viewer) bool {
	if v == nil {
		return false
	}
	if v.App != nil {
		return appHolds(v, PermUsersRead)
	}
	return HasPrivilege(v.User, PrivilegeManageUsers)
}

// ManagesUsers reports whether the viewer looks after users other than
// itself, and so sees their files, signatures and credentials: ManageOthers
// but for scope modify, which only writing needs (a manager's read-only key
// still reads them).
func ManagesUsers(v *auth.Viewer) bool { return mayManage(v, "") == nil }

// ManageOthers decides whether the viewer may create, change or delete
// other users, their signatures, files and credentials (administrators
// among them need AdminAct too): a credential with scope modify of a user
// holding manage_users; for an application's token, also a verified
// application holding users:write and a consented token. An application
// alone never may.
func ManageOthers(v *auth.Viewer) error { return manageOthers(v, "changing other users") }

// manageOthers is ManageOthers; action names what is refused in the
// messages ("deleting users"), which the dialects pass through.
func manageOthers(v *auth.Viewer, action string) error {
	if err := mayManage(v, action); err != nil {
		return err
	}
	return Scope(v, auth.ScopeModify)
}

// mayManage is ManageOthers without its scope: the viewer's user holds
// manage_users and, for an application's token, the application is
// verified and holds users:write, and the token is consented.
func mayManage(v *auth.Viewer, action string) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if v.User == nil {
		return forbidden(ReasonAppAlone, action+" is not for an application acting alone")
	}
	if v.App != nil {
		if !v.App.Verified {
			return forbidden(ReasonUnverifiedApp, action+" needs a verified application")
		}
		if !appHolds(v, PermUsersWrite) {
			return forbidden(ReasonMissingPermission, "the application lacks users:write")
		}
		if !v.Consented {
			return forbidden(ReasonConsentRequired, action+" needs a consented token")
		}
	}
	if !HasPrivilege(v.User, PrivilegeManageUsers) {
		return forbidden(ReasonPrivilege, action+" needs manage_users")
	}
	return nil
}

// AdminAct decides whether the viewer may act on an administrator or change
// anyone's role, flags or privileges: ManageOthers, by an administrator.
// manage_users alone would let a manager take an administrator's account
// over by resetting its password.
func AdminAct(v *auth.Viewer) error {
	if err := ManageOthers(v); err != nil {
		return err
	}
	if !IsAdmin(v.User) {
		return forbidden(ReasonAdminRequired, "only administrators may act on administrators or change privileges")
	}
	return nil
}

// ActOnOther decides whether the viewer may change target, another user:
// ManageOthers, and AdminAct when target is an administrator. The viewer's
// own account passes here; its own rules (ModifySelf...) apply instead.
func ActOnOther(v *auth.Viewer, target *ent.User) error {
	return actOnOther(v, target, "changing another user")
}

func actOnOther(v *auth.Viewer, target *ent.User, action string) error {
	if IsSelf(v, target) {
		return nil
	}
	if err := manageOthers(v, action); err != nil {
		return err
	}
	if IsAdmin(target) {
		return AdminAct(v)
	}
	return nil
}

func appHolds(v *auth.Viewer, perm string) bool {
	return v != nil && v.App != nil && slices.Contains(v.App.Permissions, perm)
}

// IsSelf reports whether target is the viewer's own user.
func IsSelf(v *auth.Viewer, target *ent.User) bool {
	return v != nil && v.User != nil && target != nil && v.User.ID == target.ID
}

// ReadOwned decides whether the viewer may see an object of owner (a file,
// a signature): its owner, or a viewer who looks after owner
// (LooksAfter). Returns not found otherwise, never forbidden.
func ReadOwned(v *auth.Viewer, owner *ent.User) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if IsSelf(v, owner) || LooksAfter(v, owner) {
		return nil
	}
	return apperr.ErrNotFound
}

// LooksAfter reports whether the viewer may see what another user owns
// (files, signatures): ManagesUsers, and for an administrator's, an
// administrator. A manager may not act on an administrator (AdminAct), so
// it does not see its files or signatures either: a signature image is
// what a forger would want.
func LooksAfter(v *auth.Viewer, owner *ent.User) bool {
	return ManagesUsers(v) && (!IsAdmin(owner) || IsAdmin(v.User))
}

// OwnerRoleMatters reports whether LooksAfter depends, for this viewer, on
// whether the owner is an administrator: only for a manager that is not
// one. Callers load an owner's role only then.
func OwnerRoleMatters(v *auth.Viewer) bool {
	return v != nil && !IsAdmin(v.User) && ManagesUsers(v)
}
