package usersv1

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/legacyids"
	"userbridge/rest/jsonio"
	"userbridge/rest/routing"
)

// handlers serve the four routes: decode, convert, call accounts, encode.
type handlers struct{ Deps }

// target authenticates and loads the user named by the {id} of the path,
// after gate (nil: none), which refuses what needs no target, so that a
// refused viewer gets one answer for every id (existing, missing or
// malformed).
// Returns not found for a malformed id, an unknown one, or a user the viewer
// may not see; forbidden per gate or when the answer will show a field of
// shows the viewer may not read (accounts.Service.GetByLegacyID: the id is
// the user's id in this dialect, imported or derived).
func (h handlers) target(r *http.Request, gate func(*auth.Viewer) error, shows ...string) (*auth.Viewer, *ent.User, error) {
	v, err := routing.Viewer(r)
	if err != nil {
		return nil, nil, err
	}
	if gate != nil {
		if err := gate(v); err != nil {
			return nil, nil, err
		}
	}
	// A malformed id names nobody: refused like a missing one, after the
	// same checks.
	u, err := h.Accounts.GetByLegacyID(r.Context(), v, legacyid.DialectUsersv1, chi.URLParam(r, "id"), shows...)
	return v, u, err
}

// userID is the id u has in this dialect: the one imported for it, else
// "usr_" and its public id (legacyids.In).
func (h handlers) userID(ctx context.Context, u *ent.User) (string, error) {
	return legacyids.In(ctx, h.Accounts.Client, u, legacyid.DialectUsersv1)
}

// writeUser answers status with u under its id in this dialect.
func (h handlers) writeUser(w http.ResponseWriter, r *http.Request, status int, u *ent.User, withUpdated bool) {
	id, err := h.userID(r.Context(), u)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/v1/users/"+id)
	}
	jsonio.Write(w, status, newUserBody(u, id, withUpdated))
}

// get answers GET /v1/users/{id}.
func (h handlers) get(w http.ResponseWriter, r *http.Request) {
	_, u, err := h.target(r, nil, userBodyShows...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeUser(w, r, http.StatusOK, u, true)
}

// create answers POST /v1/users: 201, Location, the user without updated_at.
func (h handlers) create(w http.ResponseWriter, r *http.Request) {
	v, err := routing.Viewer(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req createRequest
	if err := decode(w, r, h.MaxBodyBytes, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := req.input()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.Accounts.Create(r.Context(), v, in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeUser(w, r, http.StatusCreated, u, false)
}

// update answers PUT /v1/users/{id}, a partial update.
func (h handlers) update(w http.ResponseWriter, r *http.Request) {
	v, u, err := h.target(r, h.Accounts.MayChange, userBodyShows...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req updateRequest
	if err := decode(w, r, h.MaxBodyBytes, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	u, _, err = h.Accounts.Update(r.Context(), v, u.ID, req.input())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeUser(w, r, http.StatusOK, u, true)
}

// delete answers DELETE /v1/users/{id}: 204 and no body.
func (h handlers) delete(w http.ResponseWriter, r *http.Request) {
	v, u, err := h.target(r, h.Accounts.MayDelete)
	if err == nil {
		err = h.Accounts.Delete(r.Context(), v, u.ID)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
