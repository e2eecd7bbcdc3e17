// Package policy answers every "may this viewer do this to this object" of
// userbridge. Shared rules call it before they act; transports never decide.
//
// Each check returns nil, or an *apperr.Error whose Reason tells the
// dialects which rule failed: unauthenticated, forbidden ("missing_scope",
// "missing_permission", "consent_required", "unverified_application",
// "privilege"), or not found when the object must stay invisible.
package policy

import (
	"slices"

	"userbridge/apperr"
	"userbridge/auth"
	"userbridge/ent"
	"userbridge/ent/user"
)

// Privileges and application permissions the rules know.
const (
	PrivilegeManageUsers = "manage_users"
	PermUsersRead        = "users:read"
	PermUsersWrite       = "users:write"
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

// ManagesUsers reports whether the viewer's user may read and change others.
func ManagesUsers(v *auth.Viewer) bool {
	return v != nil && HasPrivilege(v.User, PrivilegeManageUsers)
}

func appHolds(v *auth.Viewer, perm string) bool {
	return v != nil && v.App != nil && slices.Contains(v.App.Permissions, perm)
}

// IsSelf reports whether target is the viewer's own user.
func IsSelf(v *auth.Viewer, target *ent.User) bool {
	return v != nil && v.User != nil && target != nil && v.User.ID == target.ID
}

// ReadOwned decides whether the viewer may see an object owned by ownerID (a
// file, a signature, a credential): its owner or a viewer with manage_users.
// Returns not found otherwise, never forbidden.
func ReadOwned(v *auth.Viewer, ownerID int) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if (v.User != nil && v.User.ID == ownerID) || ManagesUsers(v) {
		return nil
	}
	return apperr.ErrNotFound
}
