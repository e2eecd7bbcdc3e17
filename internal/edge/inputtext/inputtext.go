// Package inputtext refuses, at the edge, text no store should see: NUL
// bytes (PostgreSQL cannot hold them in a text column and fails the whole
// statement) and invalid UTF-8 (PostgreSQL refuses it, SQLite would store
// it and hand it back to every client). Each transport checks its input
// once, where it decodes it (rest/jsonio, each dialect's router, the
// GraphQL input layer), so no rule below ever sees such text, and answers
// the error in its own shape.
package inputtext

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"userbridge/internal/apperr"
)

// Reason is the reason of every error this package returns.
const Reason = "invalid_text"

// Valid reports whether s is UTF-8 with no NUL byte.
func Valid(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// Error is the invalid error for field.
func Error(field string) *apperr.Error {
	return apperr.Invalidf(field, Reason, "%s holds a NUL byte or invalid UTF-8", orBody(field))
}

func orBody(field string) string {
	if field == "" {
		return "the request body"
	}
	return field
}

// Check returns Error(field) unless s is Valid.
func Check(field, s string) error {
	if Valid(s) {
		return nil
	}
	return Error(field)
}

// JSON checks the raw bytes of a JSON document without decoding it: every
// byte must be UTF-8 and no string may hold the escape \u0000 (encoding/json
// turns invalid UTF-8 in strings into U+FFFD, but a NUL escape becomes a NUL
// byte). The field of the error is the last object key read before the
// fault, "" when there is none. Bytes that are not JSON are left to the
// decoder to refuse.
func JSON(b []byte) error {
	key := ""
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				return Error(key)
			}
			i += n - 1
			continue
		}
		if c != '"' {
			continue
		}
		start, bad := i+1, false
		for i = start; i < len(b) && b[i] != '"'; i++ {
			switch c := b[i]; {
			case c == '\\':
				if i+5 < len(b) && b[i+1] == 'u' && string(b[i+2:i+6]) == "0000" {
					bad = true
				}
				i++
			case c == 0:
				bad = true
			case c >= utf8.RuneSelf:
				r, n := utf8.DecodeRune(b[i:])
				if r == utf8.RuneError && n <= 1 {
					bad = true
				}
				i += n - 1
			}
		}
		end := min(i, len(b))
		if isKey(b[min(end+1, len(b)):]) {
			key = string(b[start:end])
		}
		if bad {
			return Error(key)
		}
	}
	return nil
}

// isKey reports whether rest, what follows a string, starts with ':'
// (spaces skipped): the string was an object key.
func isKey(rest []byte) bool {
	for _, c := range rest {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

// Request checks what a request carries outside its body: the path (each
// segment once unescaped) and every query parameter's name and values. The
// field is the parameter's name, or "path".
func Request(r *http.Request) error {
	if !Valid(r.URL.Path) {
		return Error("path")
	}
	return Values(r.URL.Query())
}

// Values checks every name and value of a form or query.
func Values(v url.Values) error {
	for name, vals := range v {
		if !Valid(name) {
			return Error("")
		}
		for _, s := range vals {
			if !Valid(s) {
				return Error(name)
			}
		}
	}
	return nil
}

// Middleware refuses a request whose path or query holds invalid text,
// answering with fail (each dialect's own 400), before any handler runs.
func Middleware(fail func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := Request(r); err != nil {
				fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
