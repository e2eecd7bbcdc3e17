package eduplatform

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"slices"

	"userbridge/ent/file"
	"userbridge/internal/apperr"
	"userbridge/internal/edge/inputtext"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/rest/jsonio"
)

// Limits of an upload form besides the file itself.
const (
	// fieldLimit bounds a text field the dialect reads (nature, scenario_id).
	fieldLimit = 1 << 10
	// formOverhead is what a body may hold beyond the largest file: part
	// headers, boundaries and text fields.
	formOverhead = 1 << 20
)

// reasonFieldAfterFile refuses a form field sent after the file part: the
// file is streamed to storage as it arrives, so what follows it would come
// too late to apply.
const reasonFieldAfterFile = "field_after_file"

// The part names the legacy clients use: the file under any of the first,
// the fields bare or nested in user_file[...].
var (
	fileNames     = []string{"file", "attachment", "user_file[attachment]"}
	natureNames   = []string{"nature", "user_file[nature]"}
	scenarioNames = []string{"scenario_id", "user_file[scenario_id]"}
)

// uploadForm is a decoded upload request: the file, still unread, and the
// fields that came before it.
type uploadForm struct {
	upload files.Upload
	input  files.UserFileInput
}

// upload answers POST /user_files/upload: the file part is streamed to the
// files service, which stores it as a user file of the viewer and, in the
// same transaction, evicts the viewer's oldest user files of its nature
// beyond the platform's quota.
func (h handlers) upload(w http.ResponseWriter, r *http.Request) {
	v := auth.FromContext(r.Context())
	// The answer shows the user: refused before the body is read.
	if _, err := h.Accounts.Viewer(r.Context(), v, userBodyShows...); err != nil {
		h.fail(w, r, err)
		return
	}
	ownerID, err := h.userID(r.Context(), v.User) // read first: nothing is left half done
	if err != nil {
		h.fail(w, r, err)
		return
	}
	form, err := readUploadForm(w, r, h.Files.MaxUpload())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := h.Files.UploadUserFile(r.Context(), v, v.User.ID, form.upload, form.input)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, uploadResponse{h.userFile(f, v.User, ownerID)})
}

// readUploadForm reads a multipart/form-data body up to its file part and
// returns that part as a stream, never buffered whole. Fields must precede
// the file part; unknown parts before it are skipped.
// Returns too large past MaxUpload plus formOverhead or for a field over
// fieldLimit, invalid missing_file when no file part comes (or the body is
// not multipart), and invalid malformed_request for a broken body.
func readUploadForm(w http.ResponseWriter, r *http.Request, maxFile int64) (*uploadForm, error) {
	limit := maxFile + formOverhead
	if r.ContentLength > limit {
		return nil, apperr.New(apperr.TooLarge, files.ReasonTooLarge, "request body too large")
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := files.MultipartReader(r)
	if err != nil {
		return nil, apperr.Invalidf("file", files.ReasonMissingFile, "the body is not multipart/form-data")
	}
	form := &uploadForm{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, apperr.Invalidf("file", files.ReasonMissingFile, "no file part")
		}
		if err != nil {
			return nil, partError(err)
		}
		name := p.FormName()
		switch {
		case slices.Contains(fileNames, name):
			form.upload = files.Upload{Name: p.FileName(), Body: &filePart{part: p, mr: mr}}
			return form, nil
		case slices.Contains(natureNames, name):
			s, err := readField(p)
			if err != nil {
				return nil, err
			}
			form.input.Nature = file.Nature(s)
		case slices.Contains(scenarioNames, name):
			s, err := readField(p)
			if err != nil {
				return nil, err
			}
			form.input.ScenarioID = &s
		default:
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, partError(err)
			}
		}
	}
}

// readField reads a text field of at most fieldLimit bytes, refusing a
// NUL byte or invalid UTF-8 (inputtext).
func readField(p *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, fieldLimit+1))
	switch {
	case err != nil:
		return "", partError(err)
	case len(b) > fieldLimit:
		return "", apperr.New(apperr.TooLarge, files.ReasonTooLarge, p.FormName()+" is too long")
	}
	return string(b), inputtext.Check(p.FormName(), string(b))
}

// partError classifies a failure to read the body: cut by the size limit
// (too large) or not well-formed multipart (malformed).
func partError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, files.ReasonTooLarge, "request body too large")
	}
	return &apperr.Error{Kind: apperr.Invalid, Reason: reasonMalformed,
		Message: "the multipart body is malformed", Err: err}
}

// filePart streams the file part. At its end it reads the rest of the body
// before reporting EOF, so a field sent after the file, a second file or a
// body cut short fail the upload before anything is kept.
type filePart struct {
	part *multipart.Part
	mr   *multipart.Reader
	err  error // sticky: the end (io.EOF) or the failure
}

func (f *filePart) Read(b []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.part.Read(b)
	if errors.Is(err, io.EOF) {
		err = f.rest()
	} else if err != nil {
		err = partError(err)
	}
	f.err = err
	return n, err
}

// rest reads the parts after the file: unknown ones are skipped.
func (f *filePart) rest() error {
	for {
		p, err := f.mr.NextPart()
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return partError(err)
		}
		name := p.FormName()
		if slices.Contains(fileNames, name) || slices.Contains(natureNames, name) || slices.Contains(scenarioNames, name) {
			return apperr.Invalidf(name, reasonFieldAfterFile, "%s must come before the file part", name)
		}
		if _, err := io.Copy(io.Discard, p); err != nil {
			return partError(err)
		}
	}
}
