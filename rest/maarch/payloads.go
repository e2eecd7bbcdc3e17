package maarch

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"userbridge/internal/edge/inputtext"
	"userbridge/rest/jsonio"
)

// body is a request body read as PHP's json_decode read it: an object whose
// values keep their JSON types, so that each field is checked on its own,
// in the legacy order ("not a string" is a per-field failure, not a decoding
// one).
type body map[string]json.RawMessage

// readBody reads a capped body. Anything that is not a non-empty JSON object
// (no body, invalid JSON or UTF-8, null, [], {}, a scalar) is an empty body:
// PHP's getParsedBody gave null or an empty array for all of them.
// Returns too large past limit, or invalid (inputtext.Reason) for an object
// holding a NUL escape, which no database stores.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (body, error) {
	b, err := jsonio.ReadBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	m := parseObject(b)
	if m != nil {
		if err := inputtext.JSON(b); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// parseObject decodes b as a JSON object, or returns nil.
func parseObject(b []byte) body {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' || !utf8.Valid(b) {
		return nil
	}
	var m body
	if err := json.Unmarshal(b, &m); err != nil {
		return nil
	}
	return m
}

// phpSpace is what PHP's trim() strips.
const phpSpace = " \t\n\r\x00\x0B"

// blank is Respect\Validation's notEmpty() failing on a string: empty once
// trimmed, or "0" (PHP's empty()).
func blank(s string) bool {
	t := strings.Trim(s, phpSpace)
	return t == "" || t == "0"
}

// str returns the field as a string; ok is false when it is missing or not a
// JSON string.
func (b body) str(key string) (s string, ok bool) {
	raw, found := b[key]
	if !found || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// text is stringType()->notEmpty(): a string that is not blank.
func (b body) text(key string) (string, bool) {
	s, ok := b.str(key)
	return s, ok && !blank(s)
}

// empty is PHP's empty() on the field: missing, null, false, 0, "", "0",
// [] or {}. Strings are not trimmed here, as empty() does not trim.
func (b body) empty(key string) bool {
	raw, found := b[key]
	if !found {
		return true
	}
	return emptyValue(raw)
}

func emptyValue(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return true
	}
	switch raw[0] {
	case 'n', 'f':
		return true
	case 't':
		return false
	case '"':
		var s string
		return json.Unmarshal(raw, &s) != nil || s == "" || s == "0"
	case '[':
		var a []json.RawMessage
		return json.Unmarshal(raw, &a) != nil || len(a) == 0
	case '{':
		var m map[string]json.RawMessage
		return json.Unmarshal(raw, &m) != nil || len(m) == 0
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return err == nil && f == 0
}

// routeID reads the {id} of a path: a decimal integer, as Maarch's
// intVal() accepted it. ok is false otherwise (overflow included).
func routeID(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// idBody is the 200 of POST /rest/users.
type idBody struct {
	ID int `json:"id"`
}

// listBody is the 200 of GET /rest/users.
type listBody struct {
	Users []listedUser `json:"users"`
}

// listedUser is one user of the list, keys in the documented order.
// The sql tags name the columns the list is scanned from (list.go).
type listedUser struct {
	ID        int    `json:"id"`
	Login     string `json:"login"`
	Firstname string `json:"firstname"`
	Lastname  string `json:"lastname"`
}

// listedUserShows are the guarded fields listedUser always shows: the list
// needs the scopes of all (accounts.Service.List).
var listedUserShows = []string{"login", "first_name", "last_name"}
