package scalar

import (
	"encoding/json"
	"testing"

	"userbridge/internal/apperr"
)

// TestUnmarshalInt accepts what the GraphQL specification calls an Int
// (a 32-bit signed integer, from a literal or a JSON number) and refuses
// anything else as apperr.Invalid.
func TestUnmarshalInt(t *testing.T) {
	for _, c := range []struct {
		in   any
		want int
		ok   bool
	}{
		{int64(5), 5, true},
		{int64(2147483647), 2147483647, true},
		{int64(-2147483648), -2147483648, true},
		{json.Number("12"), 12, true},
		{json.Number("1e3"), 1000, true},
		{json.Number("5.0"), 5, true},
		{nil, 0, true},
		{int64(2147483648), 0, false},
		{int64(-2147483649), 0, false},
		{json.Number("2147483648"), 0, false},
		{json.Number("99999999999999999999"), 0, false},
		{json.Number("2.5"), 0, false},
		{json.Number("1e10"), 0, false},
		{2.5, 0, false},
		{"5", 0, false},
		{true, 0, false},
	} {
		got, err := UnmarshalInt(c.in)
		if c.ok && (err != nil || got != c.want) || !c.ok && !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%T %v: %d, %v", c.in, c.in, got, err)
		}
		got64, err64 := UnmarshalInt64(c.in)
		if c.ok && (err64 != nil || got64 != int64(c.want)) || !c.ok && err64 == nil {
			t.Errorf("Int64 %T %v: %d, %v", c.in, c.in, got64, err64)
		}
	}
}

func TestUnmarshalTime(t *testing.T) {
	for in, ok := range map[any]bool{
		"2024-05-01T12:00:00Z":          true,
		"2024-05-01T12:00:00.123+02:00": true,
		"2024-05-01 12:00:00":           false,
		"2024-05-01":                    false,
		"":                              false,
		"yesterday":                     false,
		12:                              false,
	} {
		_, err := UnmarshalTime(in)
		if ok && err != nil || !ok && !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%v: %v", in, err)
		}
	}
}
