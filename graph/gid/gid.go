// Package gid marshals the GraphQL ID scalar. Every entity lives in its own
// range of 2^32 integer ids (ent's global id feature), so an integer tells its
// type; the wire form is an opaque base64url string so clients treat it as a
// handle rather than a number.
package gid

import (
	"encoding/base64"
	"io"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"userbridge/internal/apperr"
)

const prefix = "ub:"

// Encode returns the opaque global id of an entity id.
func Encode(id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.Itoa(id)))
}

// Decode returns the entity id of an opaque global id. Only the form Encode
// writes is accepted: strconv.Atoi and the base64 decoder also read
// "ub:0798", "ub:+798", unused trailing bits and line breaks, which would
// give one object many ids (and caches, rate limits or audit logs keyed by
// id as many entries); an id that does not encode back to itself is refused.
func Decode(s string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return 0, invalid(s)
	}
	id, err := strconv.Atoi(strings.TrimPrefix(string(b), prefix))
	if err != nil || id < 0 || Encode(id) != s {
		return 0, invalid(s)
	}
	return id, nil
}

// MarshalID writes an entity id as its opaque global id: the quoted bytes,
// built at once into one value, the only allocation. Every node of a page
// has an id, and Encode's string, base64's and strconv.Quote's copies and a
// closure around them allocated several times for each.
func MarshalID(id int) graphql.Marshaler {
	var raw [len(prefix) + 20]byte // 20: the longest int64
	r := strconv.AppendInt(append(raw[:0], prefix...), int64(id), 10)
	q := new(quotedID)
	out := append(q.b[:0], '"')
	out = base64.RawURLEncoding.AppendEncode(out, r)
	q.n = len(append(out, '"')) // base64url needs no escaping in a JSON string
	return q
}

// quotedID is a global id as a JSON string: 23 bytes at most, 31 in
// base64, 33 with the quotes.
type quotedID struct {
	n int
	b [40]byte
}

// MarshalGQL implements graphql.Marshaler.
func (q *quotedID) MarshalGQL(w io.Writer) { _, _ = w.Write(q.b[:q.n]) }

// UnmarshalID reads an opaque global id.
func UnmarshalID(v any) (int, error) {
	s, ok := v.(string)
	if !ok {
		return 0, apperr.Invalidf("id", "invalid_id", "id must be a string")
	}
	return Decode(s)
}

func invalid(s string) error {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return apperr.Invalidf("id", "invalid_id", "%q is not a valid id", s)
}
