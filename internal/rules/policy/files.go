package policy

import (
	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
)

// ReadFiles decides whether the viewer may list or read the files of
// owner: scope files, and ReadOwned. Returns forbidden for a missing scope,
// not found otherwise.
func ReadFiles(v *auth.Viewer, owner *ent.User) error {
	if err := Scope(v, auth.ScopeFiles); err != nil {
		return err
	}
	return ReadOwned(v, owner)
}

// FilesOf decides whether the viewer may see the files of owner, a user it
// already sees, as a field of that user (User.files): ReadFiles, but a
// viewer who may not see them gets forbidden, not not found. The user is
// visible, so hiding the field the way a missing scope hides it tells
// nothing more, and "not found" would misname a user the viewer sees.
func FilesOf(v *auth.Viewer, owner *ent.User) error {
	return hiddenField(ReadFiles(v, owner), "another user's files need the right to manage that user")
}

// SignaturesOfUser is FilesOf for signatures (User.signatures).
func SignaturesOfUser(v *auth.Viewer, owner *ent.User) error {
	return hiddenField(ReadSignatures(v, owner), "another user's signatures need the right to manage that user")
}

func hiddenField(err error, msg string) error {
	if err != nil && apperr.As(err).Kind == apperr.NotFound {
		return forbidden(ReasonPrivilege, msg)
	}
	return err
}

// ReadOwnFile decides whether the viewer may read a file, already
// visible to it (ReadFiles), through an API that knows only the viewer's
// own files: the education platform's secured attachments, whose legacy
// document answers 404 for any file "not linked to the current user",
// user managers included. Returns not found otherwise.
func ReadOwnFile(v *auth.Viewer, ownerID int) error {
	if err := Scope(v, auth.ScopeFiles); err != nil {
		return err
	}
	if v.User == nil || v.User.ID != ownerID {
		return apperr.ErrNotFound
	}
	return nil
}

// WriteFiles decides whether the viewer may upload or delete user files of
// owner: the same rule as ReadFiles, and for another user's files
// ActOnOther (an administrator's files need an administrator).
func WriteFiles(v *auth.Viewer, owner *ent.User) error {
	if err := ReadFiles(v, owner); err != nil {
		return err
	}
	return ActOnOther(v, owner)
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
// userID, before the user is loaded. The avatar is part of the account: the
// user itself within ModifySelf, or a viewer that ManagesUsers (an
// administrator creating or editing a user, Maarch picture); AvatarOf then
// decides on the loaded user. Returns not found when userID is another
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

// AvatarOf decides, once the user is loaded, whether the viewer allowed by
// ManageAvatar may change target's avatar: an administrator's needs an
// administrator (ActOnOther).
func AvatarOf(v *auth.Viewer, target *ent.User) error {
	return ActOnOther(v, target)
}

// ManageSignatures decides whether the viewer may replace the signatures of
// userID, before anyone looks the user up (Maarch answers 403 first): the
// user itself with scope signatures, or a viewer that may manage other
// users (ManageOthers); SignaturesOf then decides on the loaded user.
// Returns forbidden otherwise.
func ManageSignatures(v *auth.Viewer, userID int) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	if v.User != nil && v.User.ID == userID {
		return Scope(v, auth.ScopeSignatures)
	}
	return manageOthers(v, "changing another user's signatures")
}

// SignaturesOf decides, once the user is loaded, whether the viewer allowed
// by ManageSignatures may replace target's signatures: an administrator's
// need an administrator (ActOnOther).
func SignaturesOf(v *auth.Viewer, target *ent.User) error {
	return actOnOther(v, target, "changing another user's signatures")
}

// ReadSignatures decides whether the viewer may see the signatures of
// owner: scope signatures, and ReadOwned.
// Returns forbidden for a missing scope, not found otherwise.
func ReadSignatures(v *auth.Viewer, owner *ent.User) error {
	if err := Scope(v, auth.ScopeSignatures); err != nil {
		return err
	}
	return ReadOwned(v, owner)
}

// ServeFile decides whether a signed download link of a file owned by owner
// may still be served: the link needs no credential, so the owner's
// standing is checked when it is served, not only when it was signed. A
// banned or suspended owner's files are not found, like a deleted owner's.
func ServeFile(owner *ent.User) error {
	if owner == nil || owner.Status != user.StatusActive {
		return apperr.ErrNotFound
	}
	return nil
}
