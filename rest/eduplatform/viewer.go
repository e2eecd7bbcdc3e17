package eduplatform

import (
	"context"
	"net/http"
	"strconv"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/internal/rules/legacyids"

	"userbridge/internal/rules/auth"
	"userbridge/rest/jsonio"
)

// authenticate lets through only requests whose Authorization header names
// a user's credential with scope identity, which every route of the
// dialect needs (the file routes ask for scope files on top, in package
// files). Returns, in the dialect's shape, 401 for a missing or bad header
// and 403 for a credential acting for no user or lacking identity.
func (h handlers) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := auth.Resolve(r.Context())
		if err == nil {
			_, err = h.Accounts.Current(r.Context(), v)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// show answers POST /oauth: the viewer's own user.
func (h handlers) show(w http.ResponseWriter, r *http.Request) {
	u, err := h.Accounts.Viewer(r.Context(), auth.FromContext(r.Context()), userBodyShows...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	id, err := h.userID(r.Context(), u)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, showResponse{newUserBody(u, id)})
}

// userID is the id u has in this dialect: the one imported for it, else
// its primary key (legacyids.In).
func (h handlers) userID(ctx context.Context, u *ent.User) (int, error) {
	s, err := legacyids.In(ctx, h.Accounts.Client, u, legacyid.DialectEduplatform)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}
