package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Bounds of a multipart request's map (graphql-multipart-request-spec).
// gqlgen's MultipartForm takes any map and opens the spooled file once per
// path: one file mapped to 50,000 paths held 50,000 descriptors until the
// process ran out (accept4: too many open files).
const (
	// MaxUploadFiles is how many files one request may send.
	MaxUploadFiles = 20
	// MaxUploadPaths is how many variables one file may fill (a client
	// sends one file once when several variables hold it).
	MaxUploadPaths = 10
	// uploadMemory: a request smaller than this keeps its files in memory;
	// a larger one spools each to a temporary file.
	uploadMemory = 1 << 20
)

// multipartForm is the multipart transport (uploads). It differs from
// gqlgen's transport.MultipartForm in three ways: the map is bounded
// (MaxUploadFiles, MaxUploadPaths); each file is spooled and opened once,
// every path it fills reading it through its own io.SectionReader; and its
// refusals are 400 BAD_USER_INPUT (reason invalid_multipart, or
// too_many_uploads), never a 422 without a code nor a panic on a path
// that does not fit the variables. The body is capped before it gets here
// (capUpload). Parse and validation errors are answered as postJSON does.
type multipartForm struct{}

func (multipartForm) Supports(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "multipart/form-data"
}

func (multipartForm) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	contentType := responseContentType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	ctx := r.Context()
	refuse := func(reason, format string, args ...any) {
		writeRequestErrors(ctx, w, exec, http.StatusBadRequest, gqlerror.List{badRequest(reason, fmt.Sprintf(format, args...))})
	}
	mr, err := r.MultipartReader()
	if err != nil {
		refuse("invalid_multipart", "the body is not multipart/form-data")
		return
	}
	var params graphql.RawParams
	if gerr := readOperations(mr, &params); gerr != nil {
		writeRequestErrors(ctx, w, exec, http.StatusBadRequest, gqlerror.List{gerr})
		return
	}
	uploads, gerr := readMap(mr)
	if gerr != nil {
		writeRequestErrors(ctx, w, exec, http.StatusBadRequest, gqlerror.List{gerr})
		return
	}
	var spool spooled
	defer spool.release()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			refuse("invalid_multipart", "a part of the body could not be read")
			return
		}
		key := part.FormName()
		paths, ok := uploads[key]
		if !ok {
			refuse("invalid_multipart", "the map names no variable for the file %q", key)
			return
		}
		delete(uploads, key)
		open, size, err := spool.add(part, r.ContentLength < uploadMemory)
		if err != nil {
			refuse("invalid_multipart", "the file %q could not be read", key)
			return
		}
		for _, path := range paths {
			up := graphql.Upload{File: open(), Size: size, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type")}
			if err := setUpload(params.Variables, path, up); err != nil {
				refuse("invalid_multipart", "map entry %q: %s: %v", key, path, err)
				return
			}
		}
	}
	for key := range uploads {
		refuse("invalid_multipart", "the map names the file %q, which the body does not hold", key)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	run(ctx, w, exec, contentType, &params, nil)
}

// readOperations reads the first part, operations, as postJSON reads a
// body.
func readOperations(mr *multipart.Reader, params *graphql.RawParams) *gqlerror.Error {
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "operations" {
		return badRequest("invalid_multipart", "the first part must be operations")
	}
	body, err := io.ReadAll(io.LimitReader(part, uploadSlack+1))
	switch {
	case err != nil:
		return badRequest("invalid_multipart", "the operations part could not be read")
	case len(body) > uploadSlack:
		return badRequest("invalid_multipart", fmt.Sprintf("the operations part is over %d bytes", uploadSlack))
	}
	if gerr := scanBody(body); gerr != nil {
		return gerr
	}
	return decodeParams(body, params)
}

// readMap reads the second part, map: file keys to variable paths, within
// MaxUploadFiles and MaxUploadPaths.
func readMap(mr *multipart.Reader) (map[string][]string, *gqlerror.Error) {
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "map" {
		return nil, badRequest("invalid_multipart", "the second part must be map")
	}
	uploads := map[string][]string{}
	dec := json.NewDecoder(io.LimitReader(part, uploadSlack))
	if err := dec.Decode(&uploads); err != nil {
		return nil, badRequest("invalid_multipart", "map must be a JSON object of file keys to lists of variable paths")
	}
	if len(uploads) > MaxUploadFiles {
		return nil, badRequest("too_many_uploads", fmt.Sprintf("the map names %d files: at most %d per request", len(uploads), MaxUploadFiles))
	}
	for key, paths := range uploads {
		switch {
		case len(paths) == 0:
			return nil, badRequest("invalid_multipart", fmt.Sprintf("the map gives the file %q no variable", key))
		case len(paths) > MaxUploadPaths:
			return nil, badRequest("too_many_uploads", fmt.Sprintf("the map gives the file %q %d variables: at most %d", key, len(paths), MaxUploadPaths))
		}
	}
	return uploads, nil
}

// spooled holds a request's files: in memory, or each in one temporary
// file opened once, removed when the request ends.
type spooled struct{ files []*os.File }

// add reads one file part and returns what opens a reader of its own on
// it (for each variable the file fills), and its size.
func (s *spooled) add(part io.Reader, inMemory bool) (func() io.ReadSeeker, int64, error) {
	if inMemory {
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, 0, err
		}
		return func() io.ReadSeeker { return bytes.NewReader(data) }, int64(len(data)), nil
	}
	f, err := os.CreateTemp("", "userbridge-upload-")
	if err != nil {
		return nil, 0, err
	}
	s.files = append(s.files, f)
	size, err := io.Copy(f, part)
	if err != nil {
		return nil, 0, err
	}
	return func() io.ReadSeeker { return io.NewSectionReader(f, 0, size) }, size, nil
}

func (s *spooled) release() {
	for _, f := range s.files {
		f.Close()
		os.Remove(f.Name())
	}
}

// setUpload puts up where path ("variables.file", "variables.files.2",
// "variables.input.avatar") points in vars. Unlike gqlgen's
// RawParams.AddUpload, a path that does not fit the variables (an index
// out of range, a name into a list) is an error, not a panic.
func setUpload(vars map[string]any, path string, up graphql.Upload) error {
	rest, ok := strings.CutPrefix(path, "variables.")
	if !ok {
		return errors.New(`the path must start with "variables."`)
	}
	steps := strings.Split(rest, ".")
	var at any = vars
	for i, step := range steps {
		last := i == len(steps)-1
		switch node := at.(type) {
		case map[string]any:
			if node == nil {
				return fmt.Errorf("no variable %s", step)
			}
			if last { // as gqlgen: the variable may be null or absent
				node[step] = up
				return nil
			}
			at = node[step]
		case []any:
			n, err := strconv.Atoi(step)
			if err != nil || n < 0 || n >= len(node) {
				return fmt.Errorf("no element %s", step)
			}
			if last {
				node[n] = up
				return nil
			}
			at = node[n]
		default:
			return fmt.Errorf("%s is not an object or a list", step)
		}
	}
	return fmt.Errorf("empty path")
}
