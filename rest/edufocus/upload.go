package edufocus

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"userbridge/internal/apperr"
	"userbridge/internal/rules/files"
	"userbridge/rest/routing"
)

// multipartOverhead is what a request may carry beyond the file itself:
// boundaries, part headers, small other fields.
const multipartOverhead = 64 << 10

// errUploadTooLarge is a request body over the upload limit.
var errUploadTooLarge = apperr.New(apperr.TooLarge, files.ReasonTooLarge, "request body too large")

// upload answers POST /files: the multipart part "file" becomes a temporary
// file of the viewer (files.UploadTemporary), streamed, never held whole in
// memory; PATCH /users/@current adopts it as the avatar by its id.
func (h handlers) upload(w http.ResponseWriter, r *http.Request) {
	v, err := routing.Viewer(r)
	if err == nil {
		err = h.Files.MayUploadTemporary(v)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	limit := h.Files.MaxUpload() + multipartOverhead
	if r.ContentLength > limit {
		h.fail(w, r, errUploadTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	part, err := filePart(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer part.Close()
	f, err := h.Files.UploadTemporary(r.Context(), v, files.Upload{Name: part.FileName(), Body: part})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writePayload(w, newFileObject(f))
}

// filePart returns the part named "file" of a multipart/form-data body,
// skipping the others. Returns invalid_body when the body is not multipart
// or has no such part, too large past the limit.
func filePart(r *http.Request) (*multipart.Part, error) {
	mr, err := files.MultipartReader(r)
	if err != nil {
		return nil, errInvalidBody
	}
	for {
		p, err := mr.NextPart()
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return nil, errUploadTooLarge
		case err == io.EOF:
			return nil, errInvalidBody
		case err != nil:
			return nil, errInvalidBody
		}
		if p.FormName() == "file" {
			return p, nil
		}
		_ = p.Close()
	}
}
