package interchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Bounds of one record's JSON, well above any valid record's and far below
// what would let a line cost more than its size to decode.
const (
	maxDepth      = 6
	maxArrayItems = 1000
	maxObjectKeys = 40
)

// decodeLine turns one line into a record. The line is checked before it
// is decoded: valid UTF-8, no NUL in any string (no database column takes
// it), bounded depth and item counts, no key twice in one object (JSON
// decoders keep the last, so two readers of one file could disagree), and
// no key the format does not define.
func decodeLine(n int, line []byte) (Record, error) {
	fail := func(reason, format string, args ...any) (Record, error) {
		return Record{}, &LineError{Line: n, Reason: reason, Detail: fmt.Sprintf(format, args...)}
	}
	if !utf8.Valid(line) {
		return fail(ReasonInvalidUTF8, "the line is not valid UTF-8")
	}
	reason, detail, kind := scan(line)
	if reason != "" {
		return fail(reason, "%s", detail)
	}
	rec := Record{Line: n}
	var target any
	switch kind {
	case TypeUser:
		rec.User = &User{}
		target = rec.User
	case TypeApplication:
		rec.Application = &Application{}
		target = rec.Application
	case TypeSetting:
		rec.Setting = &Setting{}
		target = rec.Setting
	default:
		return fail(ReasonUnknownType, `"type" must be one of user, application, setting`)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return fail(decodeReason(err), "%s", describe(err))
	}
	return rec, nil
}

// decodeReason tells an unknown key from any other decoding failure.
func decodeReason(err error) string {
	if strings.HasPrefix(err.Error(), "json: unknown field") {
		return ReasonUnknownKey
	}
	return ReasonInvalidJSON
}

// describe says what is wrong without echoing the line's values.
func describe(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("%q must be a JSON %s", typeErr.Field, typeErr.Type.Kind())
	}
	if strings.HasPrefix(err.Error(), "json: unknown field") {
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	if strings.Contains(err.Error(), "parsing time") {
		return "a time is not RFC 3339"
	}
	return "the line is not a valid record"
}

// scan walks the line's tokens once, with the bounds above, and returns a
// reason when one is crossed; otherwise the object's "type" when it is a
// string ("" if not), so that the line is decoded only once more. The key
// is matched as encoding/json matches a field's name, without regard to
// case, the last one winning.
func scan(line []byte) (reason, detail, kind string) {
	dec := json.NewDecoder(bytes.NewReader(line))
	type frame struct {
		object bool
		items  int
		keys   map[string]struct{}
		key    bool // the next token of an object is a key
	}
	var stack []*frame
	roots := 0
	typeNext := false // the next token is the value of the object's "type"
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) != 0 {
				return ReasonInvalidJSON, "the line ends inside a value", ""
			}
			return "", "", kind
		}
		if err != nil {
			return ReasonInvalidJSON, "the line is not valid JSON", ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				stack[len(stack)-1].key = stack[len(stack)-1].object
			}
			continue
		}
		if top != nil && top.object && top.key {
			k := tok.(string)
			if strings.ContainsRune(k, 0) {
				return ReasonNUL, "a key holds a NUL character", ""
			}
			if !formatKey(k) {
				return ReasonUnknownKey, fmt.Sprintf("the key %q is none of the format's, which are lower case", k), ""
			}
			if _, dup := top.keys[k]; dup {
				return ReasonDuplicate, fmt.Sprintf("the key %q appears twice in one object", k), ""
			}
			top.keys[k] = struct{}{}
			typeNext = len(stack) == 1 && k == "type"
			if len(top.keys) > maxObjectKeys {
				return ReasonTooMany, fmt.Sprintf("an object has more than %d keys", maxObjectKeys), ""
			}
			top.key = false
			continue
		}
		if typeNext {
			kind, _ = tok.(string)
			typeNext = false
		}
		if top != nil {
			top.items++
			if !top.object && top.items > maxArrayItems {
				return ReasonTooMany, fmt.Sprintf("an array has more than %d items", maxArrayItems), ""
			}
			top.key = top.object
		} else if d, ok := tok.(json.Delim); !ok || d != '{' {
			return ReasonInvalidJSON, "the line is not a JSON object", ""
		} else if roots++; roots > 1 {
			return ReasonInvalidJSON, "the line holds more than one JSON value", ""
		}
		switch v := tok.(type) {
		case json.Delim:
			if len(stack) >= maxDepth {
				return ReasonTooDeep, fmt.Sprintf("values are nested deeper than %d levels", maxDepth), ""
			}
			f := &frame{object: v == '{'}
			if f.object {
				f.keys, f.key = map[string]struct{}{}, true
			}
			stack = append(stack, f)
		case string:
			if strings.ContainsRune(v, 0) {
				return ReasonNUL, "a string holds a NUL character", ""
			}
		}
	}
}

// formatKey reports whether k can be a key of the format: every key is
// lower case ASCII, digits and underscores, and no object of the format
// takes keys of its own. encoding/json matches keys to fields without
// regard to case (and folds "ſ" to s, the Kelvin sign to k), so "Email"
// or "Role" would reach the fields email and role while every other
// reader of the file sees an unknown key, or a second email it ignores
// (hostile_outsider_test.go).
func formatKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}
