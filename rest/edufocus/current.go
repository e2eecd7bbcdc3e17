package edufocus

import (
	"context"
	"net/http"

	"userbridge/ent"
	"userbridge/rest/jsonio"
	"userbridge/rest/routing"
)

// getCurrent answers GET /users/@current: the viewer's user, its fields
// filtered by the credential's scopes. An application acting alone has no
// current user (403 forbidden).
func (h handlers) getCurrent(w http.ResponseWriter, r *http.Request) {
	v, err := routing.Viewer(r)
	var u *ent.User
	if err == nil {
		u, err = h.Accounts.Current(r.Context(), v)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeUser(w, r, v, u)
}

// patchCurrent answers PATCH /users/@current: 200 updated, or 202
// nothing_changed when every given value equals the stored one. The account
// change and the avatar change are one transaction: the user is read once,
// every check runs inside it, and a refused request (used_username,
// invalid_avatar...), even one refused by a concurrent writer at commit,
// changes nothing.
func (h handlers) patchCurrent(w http.ResponseWriter, r *http.Request) {
	v, err := routing.Viewer(r)
	if err == nil {
		err = h.Accounts.MayModifyViewer(v)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var body patchBody
	if err := jsonio.Decode(w, r, h.MaxBodyBytes, &body, true); err != nil {
		h.fail(w, r, err)
		return
	}
	in, avatarSet, avatar, err := body.input()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var changed, fieldsChanged bool
	err = h.Accounts.Atomically(r.Context(), func(ctx context.Context) error {
		var u *ent.User
		var err error
		if u, fieldsChanged, err = h.Accounts.Update(ctx, v, v.User.ID, in); err != nil || !avatarSet {
			return err
		}
		changed, err = h.Files.SetAvatarOf(ctx, v, u, avatar)
		return err
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if changed || fieldsChanged {
		writeMessage(w, http.StatusOK, "updated")
		return
	}
	writeMessage(w, http.StatusAccepted, "nothing_changed")
}

// deleteCurrent answers DELETE /users/@current: the account and everything
// it owns are gone.
func (h handlers) deleteCurrent(w http.ResponseWriter, r *http.Request) {
	v, err := routing.Viewer(r)
	if err == nil {
		err = h.Accounts.DeleteViewer(r.Context(), v)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeMessage(w, http.StatusOK, "deleted")
}
