package edufocus

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/legacyids"
	"userbridge/rest/routing"
)

// validPublicID reports whether s could be a user id: 8 of [A-Za-z0-9].
func validPublicID(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// writeUser answers with u as viewer v may see it, under the id u has in
// this dialect (legacyids.In).
func (h handlers) writeUser(w http.ResponseWriter, r *http.Request, v *auth.Viewer, u *ent.User) {
	id, err := legacyids.In(r.Context(), h.Accounts.Client, u, legacyid.DialectEdufocus)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writePayload(w, newUserObject(v, u, id))
}

// target loads the user named by the {id} of the path (its id in this
// dialect, imported or derived: accounts.Service.GetByLegacyID), once
// allowed (a policy check that does not depend on the user). Returns not
// found (unknown_user) for a malformed id, an unknown one or an invisible
// one.
func (h handlers) target(r *http.Request, allowed func(*auth.Viewer) error) (*auth.Viewer, *ent.User, error) {
	v, err := routing.Viewer(r)
	if err == nil {
		err = allowed(v)
	}
	if err != nil {
		return nil, nil, err
	}
	id := chi.URLParam(r, "id")
	if !validPublicID(id) {
		return nil, nil, apperr.ErrNotFound
	}
	u, err := h.Accounts.GetByLegacyID(r.Context(), v, legacyid.DialectEdufocus, id)
	return v, u, err
}

// getUser answers GET /users/{id}: for an application holding users:read
// or a viewer with manage_users; the scopes still filter the fields.
func (h handlers) getUser(w http.ResponseWriter, r *http.Request) {
	v, u, err := h.target(r, h.Accounts.MayLookUp)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeUser(w, r, v, u)
}

// ban answers POST /users/{id}/ban: the user's credentials stop working at
// once (authentication checks the status on every request).
func (h handlers) ban(w http.ResponseWriter, r *http.Request) {
	h.setBanned(w, r, (*accounts.Service).Ban, "banned")
}

// unban answers DELETE /users/{id}/ban.
func (h handlers) unban(w http.ResponseWriter, r *http.Request) {
	h.setBanned(w, r, (*accounts.Service).Unban, "unbanned")
}

type banFunc func(*accounts.Service, context.Context, *auth.Viewer, int) (*ent.User, error)

func (h handlers) setBanned(w http.ResponseWriter, r *http.Request, apply banFunc, done string) {
	v, u, err := h.target(r, h.Accounts.MayBan)
	if err == nil {
		_, err = apply(h.Accounts, r.Context(), v, u.ID)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeMessage(w, http.StatusOK, done)
}
