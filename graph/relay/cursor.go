package relay

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// Cursor is the position of an edge in its connection: the node's id, the
// value of the order field (nil when ordered by id), and the connection and
// order it was made for. Clients see it encrypted and authenticated (see
// Codec): no field value in clear (an e-mail when ordered by EMAIL), and no
// cursor that this service did not make.
type Cursor struct {
	ID    int
	Value any
	Order Order // see CheckOrder
}

// Order is the connection (its node type), order field and direction a
// cursor belongs to. Its parts are the generated code's constants, so
// that making a cursor allocates nothing.
type Order struct {
	Node, Field string
	Desc        bool
}

// MarshalGQLContext implements graphql.ContextMarshaler.
func (c Cursor) MarshalGQLContext(ctx context.Context, w io.Writer) error {
	codec := settings(ctx).Codec
	if codec == nil {
		return errors.New("relay: no cursor codec in the context")
	}
	s, err := codec.Encode(c)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, `"`+s+`"`) // base64url needs no escaping
	return err
}

// UnmarshalGQLContext implements graphql.ContextUnmarshaler. Anything but a
// cursor this service made is BAD_USER_INPUT.
func (c *Cursor) UnmarshalGQLContext(ctx context.Context, v any) error {
	s, ok := v.(string)
	codec := settings(ctx).Codec
	if !ok || codec == nil {
		return invalidCursor()
	}
	d, err := codec.Decode(s)
	if err != nil {
		return invalidCursor()
	}
	*c = d
	return nil
}

var (
	_ graphql.ContextMarshaler   = Cursor{}
	_ graphql.ContextUnmarshaler = (*Cursor)(nil)
)

func invalidCursor() error {
	return BadInput("cursor", "invalid_cursor", "invalid cursor")
}

// Codec encrypts cursors with AES-256-GCM under a key derived from the
// service's secret. The nonce is an HMAC of the plaintext (a synthetic IV,
// as in SIV), so an edge keeps the same cursor from one request to the
// next and nothing but equality of two cursors can be learnt from them.
type Codec struct {
	aead   cipher.AEAD
	macKey []byte
}

const cursorVersion = 1

// NewCodec derives the cursor keys from secret.
func NewCodec(secret []byte) (*Codec, error) {
	if len(secret) == 0 {
		return nil, errors.New("relay: empty cursor secret")
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("userbridge graphql cursor encryption v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Codec{aead: aead, macKey: derive("userbridge graphql cursor nonce v1")}, nil
}

// Encode returns the opaque text of c.
func (k *Codec) Encode(c Cursor) (string, error) {
	pt, err := appendPlain(make([]byte, 0, 64), c)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k.macKey)
	m.Write(pt)
	nonce := m.Sum(nil)[:k.aead.NonceSize()]
	sealed := k.aead.Seal(nonce, nonce, pt, nil)
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Decode opens a cursor made by Encode with the same secret.
func (k *Codec) Decode(s string) (Cursor, error) {
	if len(s) > 4096 {
		return Cursor{}, errors.New("cursor too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, err
	}
	ns := k.aead.NonceSize()
	if len(b) < ns+k.aead.Overhead() {
		return Cursor{}, errors.New("cursor too short")
	}
	pt, err := k.aead.Open(nil, b[:ns], b[ns:], nil)
	if err != nil {
		return Cursor{}, err
	}
	return parsePlain(pt)
}

// Plaintext: version, the order's node and field (length-prefixed) and
// direction, id, value (tag + payload).
const (
	tagNil byte = iota
	tagInt
	tagString
	tagTime
)

func appendPlain(b []byte, c Cursor) ([]byte, error) {
	b = append(b, cursorVersion)
	for _, s := range []string{c.Order.Node, c.Order.Field} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	desc := byte(0)
	if c.Order.Desc {
		desc = 1
	}
	b = append(b, desc)
	b = binary.AppendVarint(b, int64(c.ID))
	switch v := c.Value.(type) {
	case nil:
		b = append(b, tagNil)
	case int:
		b = binary.AppendVarint(append(b, tagInt), int64(v))
	case int64:
		b = binary.AppendVarint(append(b, tagInt), v)
	case string:
		b = binary.AppendUvarint(append(b, tagString), uint64(len(v)))
		b = append(b, v...)
	case time.Time:
		// Seconds, nanoseconds and the zone offset: the value goes back to
		// the database as it came, which SQLite compares as text.
		_, off := v.Zone()
		b = binary.AppendVarint(append(b, tagTime), v.Unix())
		b = binary.AppendUvarint(b, uint64(v.Nanosecond())) //nolint:gosec // G115: 0 to 999,999,999
		b = binary.AppendVarint(b, int64(off))
	default:
		return nil, fmt.Errorf("relay: cursor value of type %T", v)
	}
	return b, nil
}

var errMalformed = errors.New("malformed cursor")

type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = errMalformed, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = errMalformed, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.err, r.b = errMalformed, nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func parsePlain(pt []byte) (Cursor, error) {
	if len(pt) == 0 || pt[0] != cursorVersion {
		return Cursor{}, errMalformed
	}
	r := &reader{b: pt[1:]}
	var c Cursor
	c.Order.Node = string(r.bytes(r.uvarint()))
	c.Order.Field = string(r.bytes(r.uvarint()))
	switch d := r.bytes(1); {
	case len(d) == 1 && d[0] <= 1:
		c.Order.Desc = d[0] == 1
	default:
		r.err = errMalformed
	}
	c.ID = int(r.varint())
	tag := r.bytes(1)
	if r.err != nil {
		return Cursor{}, r.err
	}
	switch tag[0] {
	case tagNil:
	case tagInt:
		c.Value = r.varint()
	case tagString:
		c.Value = string(r.bytes(r.uvarint()))
	case tagTime:
		sec, nsec, off := r.varint(), r.uvarint(), r.varint()
		t := time.Unix(sec, int64(nsec)) //nolint:gosec // G115: time.Unix normalises any nanoseconds; a forged cursor names another instant, no more
		if off == 0 {
			t = t.UTC()
		} else {
			t = t.In(time.FixedZone("", int(off)))
		}
		c.Value = t
	default:
		return Cursor{}, errMalformed
	}
	if r.err != nil || len(r.b) != 0 {
		return Cursor{}, errMalformed
	}
	return c, nil
}

// PageInfo of a connection, as the spec defines it.
type PageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *Cursor `json:"startCursor"`
	EndCursor       *Cursor `json:"endCursor"`
}
