package files

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"gocloud.dev/blob"

	"userbridge/internal/apperr"
)

// Reasons of the upload errors.
const (
	ReasonTooLarge    = "too_large"
	ReasonMissingFile = "missing_file"
	ReasonReadFailed  = "read_failed"
)

// sniffLen is how many leading bytes http.DetectContentType looks at.
const sniffLen = 512

// partSize is the size of an S3 multipart upload part: S3's smallest.
const partSize = 5 << 20

// copyBufferSize is the one buffer an upload streams through.
const copyBufferSize = 256 << 10

// Upload is a file as a client sends it: its declared name (sanitized
// before use) and its bytes, read once and never held whole in memory.
type Upload struct {
	Name string
	Body io.Reader
}

// stored is an upload written to the bucket, not yet named by a row.
type stored struct {
	key, name, fileType, contentType, sha256 string
	size                                     int64
}

// put streams up into a new blob under a random key, sniffing the content
// type from the first bytes and hashing as it goes. The size limit holds
// while streaming: at the first byte over MaxUpload the write is aborted and
// the partial blob removed.
// Returns invalid (missing_file, read_failed), too large (too_large), or
// internal when the blob store fails.
func (s *Service) put(ctx context.Context, up Upload) (*stored, error) {
	if up.Body == nil {
		return nil, apperr.Invalidf("file", ReasonMissingFile, "no file was sent")
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(up.Body, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, readError(err)
	}
	head = head[:n]
	st := &stored{key: newKey(), contentType: http.DetectContentType(head)}
	st.name = SanitizeName(up.Name)
	st.fileType = FileType(st.name)

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The write's latency counts from opening the writer to its close,
	// the client's upload pace included (the bytes stream through).
	start := time.Now()
	w, err := s.bucket.NewWriter(wctx, st.key, &blob.WriterOptions{
		ContentType: st.contentType,
		// S3 multipart upload: parts of S3's smallest size, at most two
		// in flight (the SDK pools one more), so an upload holds a
		// bounded few parts in memory whatever its size
		// (TestLargeUploadStreams).
		BufferSize:     partSize,
		MaxConcurrency: 2,
	})
	if err != nil {
		return nil, apperr.Wrap(err, "opening blob writer")
	}
	h := sha256.New()
	dst := &blobWriter{w: w}
	src := io.LimitReader(io.MultiReader(bytes.NewReader(head), up.Body), s.cfg.MaxUpload+1)
	// Multipart parts arrive 4 KiB at a time: gathering them into large
	// writes saves a system call per 4 KiB on the blob side.
	buf := bufio.NewWriterSize(io.MultiWriter(dst, h), copyBufferSize)
	st.size, err = buf.ReadFrom(onlyReader{src})
	if err == nil {
		err = buf.Flush()
	}
	if err == nil && st.size > s.cfg.MaxUpload {
		err = tooLarge()
	}
	if err != nil {
		cancel() // aborts the write: the blob is never published
		_ = w.Close()
		s.discard(ctx, st.key)
		if dst.err != nil {
			return nil, apperr.Wrap(dst.err, "writing blob")
		}
		return nil, readError(err)
	}
	err = w.Close()
	s.cfg.ObserveStorage("write", time.Since(start), err)
	if err != nil {
		s.discard(ctx, st.key)
		return nil, apperr.Wrap(err, "writing blob")
	}
	st.sha256 = hex.EncodeToString(h.Sum(nil))
	return st, nil
}

// discard removes a blob no row will name, even when ctx is done.
func (s *Service) discard(ctx context.Context, key string) {
	s.RemoveBlobs(context.WithoutCancel(ctx), []string{key})
}

// blobWriter remembers a failure of the blob store, to tell it from a
// failure to read the client's bytes.
type blobWriter struct {
	w   io.Writer
	err error
}

func (b *blobWriter) Write(p []byte) (int, error) {
	n, err := b.w.Write(p)
	if err != nil {
		b.err = err
	}
	return n, err
}

// onlyReader hides optional interfaces so io.CopyBuffer uses its buffer.
type onlyReader struct{ io.Reader }

func tooLarge() *apperr.Error {
	return apperr.New(apperr.TooLarge, ReasonTooLarge, "the file is over the upload limit")
}

// readError classifies a failure to read the client's bytes: a body cut by
// http.MaxBytesReader is too large, anything else a bad upload.
func readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge()
	}
	if ae := (*apperr.Error)(nil); errors.As(err, &ae) {
		return ae
	}
	return &apperr.Error{Kind: apperr.Invalid, Reason: ReasonReadFailed, Field: "file",
		Message: "the upload could not be read", Err: err}
}
