package relay

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

func codec(t *testing.T, secret string) *Codec {
	t.Helper()
	c, err := NewCodec([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCursorRoundTrip(t *testing.T) {
	k := codec(t, "secret")
	paris := time.FixedZone("", 3600)
	for _, c := range []Cursor{
		{ID: 1, Order: Order{Node: "User"}},
		{ID: 1 << 40, Value: "kate@example.com", Order: Order{"User", "EMAIL", false}},
		{ID: 7, Value: "", Order: Order{"User", "LAST_NAME", true}},
		{ID: 7, Value: "\x00\xff é", Order: Order{"File", "NAME", false}},
		{ID: 3, Value: int64(-5), Order: Order{Field: "x"}},
		{ID: 3, Value: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Order: Order{"User", "CREATED_AT", false}},
		{ID: 3, Value: time.Date(1969, 1, 2, 3, 4, 5, 999999999, paris), Order: Order{"User", "CREATED_AT", false}},
	} {
		s, err := k.Encode(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := k.Decode(s)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if tv, ok := c.Value.(time.Time); ok {
			// The same instant, and the same text as the database reads it.
			gv := got.Value.(time.Time)
			if !gv.Equal(tv) || gv.Format(time.RFC3339Nano) != tv.Format(time.RFC3339Nano) {
				t.Fatalf("time %v came back as %v", tv, gv)
			}
			got.Value = c.Value
		}
		if got != c {
			t.Fatalf("%+v came back as %+v", c, got)
		}
		if again, _ := k.Encode(c); again != s {
			t.Fatalf("%+v: two encodings differ", c)
		}
		if s2, _ := k.Encode(Cursor{ID: c.ID + 1, Value: c.Value, Order: c.Order}); s2 == s {
			t.Fatal("two cursors share a text")
		}
	}
}

func TestCursorRefused(t *testing.T) {
	k := codec(t, "secret")
	good, _ := k.Encode(Cursor{ID: 2, Value: "kate@example.com", Order: Order{"User", "EMAIL", false}})
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x80
		return base64.RawURLEncoding.EncodeToString(b)
	}
	otherKey, _ := codec(t, "another").Encode(Cursor{ID: 2, Order: Order{Node: "User"}})
	for name, s := range map[string]string{
		"empty":              "",
		"garbage":            "garbage",
		"not base64url":      "!!!!",
		"truncated":          good[:len(good)-4],
		"nonce altered":      flip(0),
		"ciphertext altered": flip(len(raw) / 2),
		"tag altered":        flip(len(raw) - 1),
		"another secret":     otherKey,
		"too long":           strings.Repeat("A", 5000),
	} {
		if _, err := k.Decode(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestUnmarshalGQLContext(t *testing.T) {
	ctx := With(context.Background(), &Settings{Codec: codec(t, "secret")})
	good, _ := settings(ctx).Codec.Encode(Cursor{ID: 9, Order: Order{Node: "User"}})
	var c Cursor
	if err := c.UnmarshalGQLContext(ctx, good); err != nil || c.ID != 9 {
		t.Fatalf("%+v %v", c, err)
	}
	for _, v := range []any{"garbage", 12, nil, []any{good}} {
		err := (&Cursor{}).UnmarshalGQLContext(ctx, v)
		var ge *gqlerror.Error
		if !errors.As(err, &ge) || ge.Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%v: %v, want BAD_USER_INPUT", v, err)
		}
	}
	if err := (&Cursor{}).UnmarshalGQLContext(context.Background(), good); err == nil {
		t.Error("decoded without a codec")
	}
}

func TestPageSize(t *testing.T) {
	ptr := func(n int) *int { return &n }
	bg := context.Background()
	if f, l, err := PageSize(bg, nil, nil); err != nil || *f != DefaultPageSize || l != nil {
		t.Fatalf("default: %v %v %v", f, l, err)
	}
	if f, l, err := PageSize(bg, ptr(DefaultMaxPage), ptr(0)); err != nil || *f != DefaultMaxPage || *l != 0 {
		t.Fatalf("maximum: %v %v %v", f, l, err)
	}
	for _, c := range []struct{ first, last *int }{
		{ptr(-1), nil}, {nil, ptr(-1)}, {ptr(DefaultMaxPage + 1), nil}, {ptr(1), ptr(1 << 40)},
	} {
		_, _, err := PageSize(bg, c.first, c.last)
		var ge *gqlerror.Error
		if !errors.As(err, &ge) || ge.Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%v %v: %v", c.first, c.last, err)
		}
	}
	small := With(bg, &Settings{DefaultPage: 5, MaxPage: 7})
	if f, _, _ := PageSize(small, nil, nil); *f != 5 {
		t.Fatalf("configured default: %d", *f)
	}
	if _, _, err := PageSize(small, ptr(8), nil); err == nil {
		t.Fatal("configured maximum not applied")
	}
	if f, _, _ := PageSize(With(bg, &Settings{DefaultPage: 500, MaxPage: 20}), nil, nil); *f != 20 {
		t.Fatalf("a default over the maximum gave %d", *f)
	}
}
