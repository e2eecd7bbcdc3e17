package graph

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
)

// uploadSlack is the room a multipart body has besides the file bytes, for
// the operations and map parts and the part headers.
const uploadSlack = 1 << 20

// errBodyTooLarge is what the capped body answers past its limit.
var errBodyTooLarge = errors.New("request body over the upload limit")

// uploadState tells the response writer, from inside the executor, that an
// upload was refused as too large.
type uploadState struct {
	over     atomic.Bool // the body went past its cap
	tooLarge atomic.Bool // a resolver refused a file over the limit
}

type uploadStateKey struct{}

// markTooLarge records that the operation failed on an upload over the
// limit, so the multipart response is sent with status 413.
func markTooLarge(ctx context.Context) {
	if st, ok := ctx.Value(uploadStateKey{}).(*uploadState); ok {
		st.tooLarge.Store(true)
	}
}

// capUpload bounds a multipart GraphQL request. A body declared over
// maxUpload plus slack is refused at once with 413; otherwise the body is
// capped while it streams, and the response becomes 413 (with a
// PAYLOAD_TOO_LARGE error) when the cap was hit or a resolver refused the
// file as too large. A body of unknown length is declared at the cap, so
// that the transport spools its file parts to disk instead of reading them
// into memory (it keeps them in memory only when Content-Length is under
// uploadMemory).
// ok is false when the request has been answered.
func capUpload(w http.ResponseWriter, r *http.Request, maxUpload int64) (http.ResponseWriter, *http.Request, bool) {
	limit := maxUpload + uploadSlack
	if r.ContentLength > limit {
		writeTooLarge(w, maxUpload)
		return nil, nil, false
	}
	if r.ContentLength < 0 {
		r.ContentLength = limit
	}
	st := &uploadState{}
	r = r.WithContext(context.WithValue(r.Context(), uploadStateKey{}, st))
	r.Body = &cappedBody{ReadCloser: r.Body, left: limit, st: st}
	return &uploadWriter{ResponseWriter: w, st: st, max: maxUpload}, r, true
}

// cappedBody fails with errBodyTooLarge past its limit.
type cappedBody struct {
	io.ReadCloser
	left int64
	st   *uploadState
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one byte more tells "at the cap" from "over it"
	}
	n, err := b.ReadCloser.Read(p)
	if int64(n) > b.left {
		b.st.over.Store(true)
		b.left = -1
		return 0, errBodyTooLarge
	}
	b.left -= int64(n)
	return n, err
}

// uploadWriter turns the response into a 413 when the upload was too large.
type uploadWriter struct {
	http.ResponseWriter
	st      *uploadState
	max     int64
	wrote   bool
	swallow bool
}

func (w *uploadWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	switch {
	case w.st.over.Load():
		writeTooLarge(w.ResponseWriter, w.max)
		w.swallow = true
	case w.st.tooLarge.Load():
		w.ResponseWriter.WriteHeader(http.StatusRequestEntityTooLarge)
	default:
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *uploadWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *uploadWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
