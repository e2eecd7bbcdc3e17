// Package jsonio reads capped JSON request bodies and writes JSON responses
// for the legacy dialects, reporting problems as apperr kinds so that each
// dialect spells them in its own shape.
package jsonio

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"userbridge/internal/apperr"
	"userbridge/internal/edge/inputtext"
)

// DefaultMaxBytes caps a JSON body unless a dialect is told otherwise.
const DefaultMaxBytes = 1 << 20

// Reasons of the errors this package returns.
const (
	ReasonTooLarge    = "too_large"
	ReasonInvalidJSON = "invalid_json"
	ReasonEmptyBody   = "empty_body"
)

// preGrow bounds what ReadBody reserves before a body's bytes arrive.
const preGrow = 64 << 10

// ReadBody returns the request body, at most limit bytes.
// Returns too large past limit (a 413 for every dialect).
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if r.ContentLength > limit {
		return nil, apperr.New(apperr.TooLarge, ReasonTooLarge, "request body too large")
	}
	// One allocation of the announced size, not a slice doubling up to it;
	// but never more than preGrow before the bytes arrive, so a client
	// announcing a large body and trickling it holds little.
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 {
		buf.Grow(int(min(n, limit, preGrow)) + 1)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	b := buf.Bytes()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, apperr.New(apperr.TooLarge, ReasonTooLarge, "request body too large")
	case err != nil:
		return nil, apperr.New(apperr.Invalid, ReasonInvalidJSON, "could not read the request body")
	}
	return b, nil
}

// Decode reads a JSON object of at most limit bytes into v. With strict,
// unknown fields are refused. Returns too large, or invalid with reason
// "empty_body", "invalid_json" or inputtext.Reason (a NUL byte or invalid
// UTF-8; the field is set when one is at fault).
func Decode(w http.ResponseWriter, r *http.Request, limit int64, v any, strict bool) error {
	b, err := ReadBody(w, r, limit)
	if err != nil {
		return err
	}
	return Unmarshal(b, v, strict)
}

// Unmarshal is Decode for bytes already read.
func Unmarshal(b []byte, v any, strict bool) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return apperr.New(apperr.Invalid, ReasonEmptyBody, "the request body is empty")
	}
	// encoding/json would turn invalid UTF-8 into U+FFFD and \u0000 into a
	// NUL byte no database stores: both are refused here, for every dialect.
	if err := inputtext.JSON(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		e := apperr.New(apperr.Invalid, ReasonInvalidJSON, "the request body is not valid JSON")
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			e.Field = te.Field
			e.Message = "wrong type for " + te.Field
		}
		return e
	}
	if dec.More() {
		return apperr.New(apperr.Invalid, ReasonInvalidJSON, "the request body has trailing data")
	}
	return nil
}

// Write answers status with v as JSON (no HTML escaping, as legacy clients
// received it).
func Write(w http.ResponseWriter, status int, v any) {
	b, err := Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{}`)
	}
	WriteBytes(w, status, b)
}

// Marshal encodes v as Write does.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// WriteBytes answers status with JSON already encoded.
func WriteBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
