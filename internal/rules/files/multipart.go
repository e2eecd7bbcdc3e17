package files

import (
	"bufio"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"userbridge/internal/apperr"
)

// ReasonNotMultipart is the reason of an upload that is not multipart/form-data.
const ReasonNotMultipart = "not_multipart"

// readBufferSize is how much of a streamed upload is read from the
// connection at once.
const readBufferSize = 256 << 10

// MultipartReader is how the transports read an upload as a stream, part by
// part. Unlike http.Request.MultipartReader it reads the connection in large
// chunks: the multipart parser asks for 4 KiB at a time, which would
// otherwise cost a system call each.
// Returns invalid (not_multipart) for another content type.
func MultipartReader(r *http.Request) (*multipart.Reader, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.EqualFold(mt, "multipart/form-data") || params["boundary"] == "" {
		return nil, apperr.Invalidf("file", ReasonNotMultipart, "the body is not multipart/form-data")
	}
	return multipart.NewReader(bufio.NewReaderSize(r.Body, readBufferSize), params["boundary"]), nil
}
