package maarch

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"userbridge/ent/legacyid"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/rules/signatures"
	"userbridge/rest/routing"
)

// replaceSignatures answers PUT /rest/users/{id}/externalSignatures: 204,
// empty body. Checks run in Maarch's order: authentication, privilege (the
// user itself or manage_users; a non-integer id is nobody's own), the id, the
// user, the body's signatures then externalApplication, then each signature
// in turn (signatures.Validate), and the set is replaced in one step.
func (h handlers) replaceSignatures(w http.ResponseWriter, r *http.Request) {
	if err := h.replace(w, r); err != nil {
		h.fail(w, r, spellSignature(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h handlers) replace(w http.ResponseWriter, r *http.Request) error {
	v, err := routing.Viewer(r)
	if err != nil {
		return err
	}
	// The path names a user by its id in this dialect (legacyids.UserFor:
	// imported, else the primary key). Nobody (0, as for a non-integer id)
	// is nobody's own: refused before "not found" unless the viewer may
	// manage users.
	id, isInt := routeID(chi.URLParam(r, "id"))
	if isInt {
		id, err = h.userFor(r, id)
		if err != nil {
			return err
		}
	}
	if err := h.Signatures.MayReplace(v, id); err != nil {
		return err
	}
	if !isInt {
		return errRouteID
	}
	if id == 0 {
		return apperr.ErrNotFound
	}
	if _, err := h.Accounts.Get(r.Context(), v, id); err != nil {
		return err
	}
	b, err := readBody(w, r, h.MaxBodyBytes)
	if err != nil {
		return err
	}
	app, sigs, err := decodeSignatures(b)
	if err != nil {
		return err
	}
	_, err = h.Signatures.ReplaceExternal(r.Context(), v, id, app, sigs)
	return err
}

// userFor is the primary key of the user holding Maarch id n, 0 when
// nobody does.
func (h handlers) userFor(r *http.Request, n int) (int, error) {
	u, err := legacyids.UserFor(r.Context(), h.Accounts.Client, legacyid.DialectMaarch, strconv.Itoa(n))
	switch {
	case apperr.Is(err, apperr.NotFound):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return u.ID, nil
}

// decodeSignatures reads the body's signatures (a non-empty JSON array) and
// externalApplication (a non-blank string), in that order, and converts each
// signature loosely: a format that is not a non-blank string, or an
// encodedSignature that PHP's empty() would refuse, becomes "" so that
// signatures.Validate reports it at its index; an encodedSignature of another
// JSON type keeps its JSON text, which is not an image.
func decodeSignatures(b body) (string, []signatures.Input, error) {
	var items []json.RawMessage
	if raw, ok := b["signatures"]; !ok || json.Unmarshal(raw, &items) != nil || len(items) == 0 {
		return "", nil, legacy(textSignatures)
	}
	// Each copy goes as soon as the next one is made: the body's images
	// are held about twice (text, then decoded), not four times.
	delete(b, "signatures")
	app, ok := b.text("externalApplication")
	if !ok {
		return "", nil, legacy(textApplication)
	}
	sigs := make([]signatures.Input, len(items))
	for k, raw := range items {
		item := parseObject(raw)
		items[k] = nil
		if format, ok := item.text("format"); ok {
			sigs[k].Format = format
		}
		if item.empty("encodedSignature") {
			continue
		}
		if s, ok := item.str("encodedSignature"); ok {
			sigs[k].Encoded = s
		} else {
			sigs[k].Encoded = string(item["encodedSignature"])
		}
	}
	return app, sigs, nil
}
