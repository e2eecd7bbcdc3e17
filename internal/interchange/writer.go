package interchange

import (
	"bufio"
	"encoding/json"
	"io"
)

// Writer writes records as JSON Lines, one per Write.
type Writer struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

// NewWriter writes to w; call Flush at the end.
func NewWriter(w io.Writer) *Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &Writer{bw: bw, enc: enc}
}

// WriteUser writes a user line.
func (w *Writer) WriteUser(u *User) error {
	u.Type = TypeUser
	return w.enc.Encode(u)
}

// WriteApplication writes an application line.
func (w *Writer) WriteApplication(a *Application) error {
	a.Type = TypeApplication
	return w.enc.Encode(a) //nolint:gosec // G117: the interchange format carries an application's secret on purpose; see docs/moving-in.md
}

// WriteSetting writes a setting line.
func (w *Writer) WriteSetting(s *Setting) error {
	s.Type = TypeSetting
	return w.enc.Encode(s)
}

// Flush writes what is buffered.
func (w *Writer) Flush() error { return w.bw.Flush() }
