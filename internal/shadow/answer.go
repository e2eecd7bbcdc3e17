package shadow

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"hash"
	"io"
	"net/http"
)

// answer is one system's answer to a request, its body kept up to a cap and
// hashed whole: past the cap two bodies are compared by hash only.
type answer struct {
	status int
	header http.Header
	body   []byte // the first limit bytes
	sum    [sha256.Size]byte
	size   int64
}

// truncated reports whether body holds only the start of the answer.
func (a *answer) truncated() bool { return a.size > int64(len(a.body)) }

// capture is an io.Writer keeping the first limit bytes and hashing all.
type capture struct {
	buf   bytes.Buffer
	limit int
	h     hash.Hash
	n     int64
}

func newCapture(limit int) *capture { return &capture{limit: limit, h: sha256.New()} }

func (c *capture) Write(p []byte) (int, error) {
	c.h.Write(p)
	c.n += int64(len(p))
	if room := c.limit - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// answer is what was captured, with status and header. A gzip-encoded body
// kept whole is decoded (within the cap) so that it compares with this
// store's plain one; the encoding itself is transport, not the dialect.
func (c *capture) answer(status int, header http.Header) answer {
	a := answer{status: status, header: header, body: c.buf.Bytes(), size: c.n}
	copy(a.sum[:], c.h.Sum(nil))
	if header.Get("Content-Encoding") == "gzip" && !a.truncated() {
		if zr, err := gzip.NewReader(bytes.NewReader(a.body)); err == nil {
			plain := newCapture(c.limit)
			if _, err := io.Copy(plain, io.LimitReader(zr, int64(c.limit)+1)); err == nil {
				a.body, a.size = plain.buf.Bytes(), plain.n
				copy(a.sum[:], plain.h.Sum(nil))
			}
		}
	}
	return a
}

// recorder is the http.ResponseWriter this store answers into, in process.
type recorder struct {
	header http.Header
	status int
	body   *capture
}

func newRecorder(limit int) *recorder {
	return &recorder{header: http.Header{}, body: newCapture(limit)}
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(p)
}

func (r *recorder) answer() answer {
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	return r.body.answer(status, r.header)
}

// ReadFrom captures r to its end.
func (c *capture) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{c}, r)
}
