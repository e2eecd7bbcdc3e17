package eduplatform

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/rest/jsonio"
)

// userFiles answers GET /user_files: the viewer's user files, oldest first.
func (h handlers) userFiles(w http.ResponseWriter, r *http.Request) {
	v := auth.FromContext(r.Context())
	if _, err := h.Accounts.Viewer(r.Context(), v, userBodyShows...); err != nil {
		h.fail(w, r, err)
		return
	}
	fs, err := h.Files.UserFiles(r.Context(), v, v.User.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ownerID, err := h.userID(r.Context(), v.User)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := userFilesResponse{UserFiles: make([]userFileBody, 0, len(fs))}
	for _, f := range fs {
		out.UserFiles = append(out.UserFiles, h.userFile(f, v.User, ownerID))
	}
	jsonio.Write(w, http.StatusOK, out)
}

// securedAttachment answers POST and GET /secured_attachments/{id}: a fresh
// signed link to one of the viewer's user files. An id that is not a
// positive decimal integer, an unknown one, another user's file (even for
// a user manager) and a file that is not a user file (files.OwnUserFile)
// all answer the same documented 404.
func (h handlers) securedAttachment(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(chi.URLParam(r, "id"))
	if !ok {
		h.fail(w, r, apperr.ErrNotFound)
		return
	}
	f, err := h.Files.OwnUserFile(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, attachmentResponse{h.Files.URL(f)})
}

// parseID reads a record id: decimal digits only (no sign, no spaces), a
// positive int.
func parseID(s string) (int, bool) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.Atoi(s)
	return id, err == nil && id > 0
}
