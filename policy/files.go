package policy

import (
	"userbridge/apperr"
	"userbridge/auth"
)

// ReadFiles decides whether the viewer may list or read the files of the
// user ownerID: scope files, and the owner itself or manage_users.
// Returns forbidden for a missing scope, not found otherwise.
func ReadFiles(v *auth.Viewer, ownerID int) error {
	if err := Scope(v, auth.ScopeFiles); err != nil {
		return err
	}
	return ReadOwned(v, ownerID)
}

// ReadOwnFile decides whether the viewer may read a file, already
// visible to it (ReadFiles), through an API that knows only the viewer's
// own files: the education platform's secured attachments, whose legacy
// document answers 404 for any file "not linked to the current user",
// user managers included. Returns not found otherwise.
func ReadOwnFile(v *auth.Viewer, ownerID int) error {
	if err := ReadFiles(v, ownerID); err != nil {
		return err
	}
	if v.User == nil || v.User.ID != ownerID {
		return apperr.ErrNotFound
	}
	return nil
}

// WriteFiles decides whether the viewer may upload or delete user files of
// ownerID: the same rule as ReadFiles, since a file one may see is one's own
// or one a user manager looks after.
func WriteFiles(v *auth.Viewer, ownerID int) error {
	return ReadFiles(v, ownerID)
}

// UploadTemporary decides whether the viewer may upload a temporary file:
// a user (the file is theirs) with scope identity. Edu-Focus, whose tokens
// know no files scope, uploads avatars this way; adopting one is a change
// of the account, decided by ManageAvatar.
func UploadTemporary(v *auth.Viewer) error {
	if err := HasUser(v); err != nil {
		return err
	}
	return Scope(v, auth.ScopeIdentity)
}

// ManageAvatar decides whether the viewer may set or remove the avatar of
// userID. The avatar is part of the account: the user itself within
// ModifySelf, or a viewer with manage_users (an administrator creating or
// editing a user, Maarch picture). Returns not found when userID is another
// user the viewer may not manage.
func ManageAvatar(v *auth.Viewer, userID int) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if v.User != nil && v.User.ID == userID {
		return ModifySelf(v)
	}
	if ManagesUsers(v) {
		return nil
	}
	return apperr.ErrNotFound
}

// ManageSignatures decides whether the viewer may replace the signatures of
// userID, before anyone looks the user up (Maarch answers 403 first): the
// user itself with scope signatures, or a viewer with manage_users.
// Returns forbidden with reason privilege otherwise.
func ManageSignatures(v *auth.Viewer, userID int) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if ManagesUsers(v) {
		return nil
	}
	if v.User != nil && v.User.ID == userID {
		return Scope(v, auth.ScopeSignatures)
	}
	return forbidden(ReasonPrivilege, "changing another user's signatures needs manage_users")
}

// ReadSignatures decides whether the viewer may see the signatures of
// ownerID: scope signatures, and the owner or manage_users.
// Returns forbidden for a missing scope, not found otherwise.
func ReadSignatures(v *auth.Viewer, ownerID int) error {
	if err := Scope(v, auth.ScopeSignatures); err != nil {
		return err
	}
	return ReadOwned(v, ownerID)
}
