package interchange

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// LineError is one line that cannot be a record: the reader reports it and
// goes on with the next line, so one bad line rejects one record.
type LineError struct {
	Line   int
	Reason string // stable snake_case code, for the report
	Detail string // for people; never holds the line's content
}

func (e *LineError) Error() string {
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Reason, e.Detail)
}

// Reasons of LineError.
const (
	ReasonLineTooLong = "line_too_long"
	ReasonInvalidUTF8 = "invalid_utf8"
	ReasonInvalidJSON = "invalid_json"
	ReasonUnknownType = "unknown_type"
	ReasonTooDeep     = "too_deep"
	ReasonTooMany     = "too_many_items"
	ReasonDuplicate   = "duplicate_key"
	ReasonNUL         = "nul_character"
	ReasonUnknownKey  = "unknown_key"
)

// Reader reads records one line at a time. Memory is bounded by the
// longest line it accepts: a longer line is skipped without being kept.
type Reader struct {
	br      *bufio.Reader
	maxLine int
	// SkimUsers makes Next return, for a line whose "type" is "user", a
	// User holding only its "id" and integer legacy ids, unchecked: what
	// a first pass over a file needs of its people, at the cost of one
	// plain decode instead of the checks and the full decoding. Lines of
	// other types, and user lines that do not decode so, are read as
	// usual.
	SkimUsers bool
	line      int
	closer    io.Closer
}

// gzipMagic starts every gzip stream (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

// NewReader reads plain or gzip-compressed JSON Lines (told apart by the
// first bytes, not the file name) whose lines are at most maxLine bytes.
func NewReader(r io.Reader, maxLine int) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	rd := &Reader{br: br, maxLine: maxLine}
	if bytes.Equal(head, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading gzip header: %w", err)
		}
		rd.br, rd.closer = bufio.NewReaderSize(zr, 64<<10), zr
	}
	return rd, nil
}

// Line is the number of the line last read, from 1.
func (r *Reader) Line() int { return r.line }

// Next returns the next record; io.EOF at the end; a *LineError for a line
// that is not a record (call Next again for the following one); any other
// error (a broken gzip stream, a failing disk) ends the reading. Blank lines
// are skipped.
func (r *Reader) Next() (Record, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return Record{}, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if r.SkimUsers {
			if rec, ok := skimUser(r.line, line); ok {
				return rec, nil
			}
		}
		return decodeLine(r.line, line)
	}
}

// skimUser decodes the little of a user line that SkimUsers keeps; false
// for a line of another type or one that does not decode.
func skimUser(n int, line []byte) (Record, bool) {
	var s skimmed
	if json.Unmarshal(line, &s) != nil || s.Type != TypeUser {
		return Record{}, false
	}
	u := &User{Type: TypeUser, ID: s.ID}
	if s.LegacyIDs != nil {
		u.LegacyIDs = &LegacyIDs{Eduplatform: s.LegacyIDs.Eduplatform, Maarch: s.LegacyIDs.Maarch}
	}
	return Record{Line: n, User: u}, true
}

// readLine returns the next line without its end, or a *LineError when it
// is longer than maxLine; the rest of such a line is read and dropped.
func (r *Reader) readLine() ([]byte, error) {
	r.line++
	var buf []byte
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > r.maxLine+2 { // +2: the line's own "\r\n"
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(buf) == 0 && !tooLong {
				return nil, io.EOF
			}
		default:
			return nil, err
		}
		if tooLong {
			return nil, &LineError{Line: r.line, Reason: ReasonLineTooLong,
				Detail: fmt.Sprintf("the line is longer than %d bytes, the largest valid record", r.maxLine)}
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if len(buf) > r.maxLine {
			return nil, &LineError{Line: r.line, Reason: ReasonLineTooLong,
				Detail: fmt.Sprintf("the line is longer than %d bytes, the largest valid record", r.maxLine)}
		}
		return buf, nil
	}
}

// Close releases the gzip reader, if any; it does not close the source.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}
