package app

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/mattn/go-isatty"
)

// LogFormats are the accepted values of LOG_FORMAT; empty chooses by the
// output: text on a terminal, JSON otherwise (a file, a pipe, a log
// collector).
var LogFormats = []string{"json", "text"}

// CheckLogFormat refuses a LOG_FORMAT other than json, text or empty.
func CheckLogFormat(format string) error {
	switch format {
	case "", "json", "text":
		return nil
	}
	return fmt.Errorf("unknown log format %q: want json or text (empty: text on a terminal, JSON otherwise)", format)
}

// NewLogger returns the logger writing to w in format ("" chooses by w:
// text when it is a terminal). An unknown format is an error.
func NewLogger(format string, w io.Writer) (*slog.Logger, error) {
	if err := CheckLogFormat(format); err != nil {
		return nil, err
	}
	if format == "" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil)), nil
	}
	return slog.New(slog.NewJSONHandler(w, nil)), nil
}

// isTerminal reports whether w is a terminal (not merely a character
// device: /dev/null is one, and a service writing there is no human's).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
