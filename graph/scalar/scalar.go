// Package scalar holds the GraphQL scalars' input coercion (gqlgen.yml maps
// Int and Time here): values outside the scalar are the client's mistake,
// so they fail with apperr.Invalid, which the GraphQL layer answers as
// BAD_USER_INPUT (with the argument as field) and does not log as an error.
// gqlgen's own coercion returns plain errors, which read as INTERNAL.
package scalar

import (
	"encoding/json"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"userbridge/internal/apperr"
)

// ReasonInvalidInt and ReasonInvalidTime are the apperr reasons of a value
// that is not an Int or not a Time.
const (
	ReasonInvalidInt  = "invalid_int"
	ReasonInvalidTime = "invalid_time"
)

// MarshalInt writes an int. Output is not range-checked: the service's Int
// fields (flags, counts, file sizes under the upload limit) stay within 32
// bits, and a marshaler cannot report an error at its field's path.
func MarshalInt(i int) graphql.Marshaler { return graphql.MarshalInt(i) }

// UnmarshalInt coerces an Int input: a 32-bit signed integer, as the
// GraphQL specification defines Int, whatever Go type holds it.
func UnmarshalInt(v any) (int, error) {
	n, err := int32Of(v)
	return int(n), err
}

// MarshalInt64 writes an int64 (see MarshalInt).
func MarshalInt64(i int64) graphql.Marshaler { return graphql.MarshalInt64(i) }

// UnmarshalInt64 coerces an Int input held in an int64 (ent's Int64
// fields): still 32-bit, since the GraphQL type is Int.
func UnmarshalInt64(v any) (int64, error) {
	n, err := int32Of(v)
	return int64(n), err
}

// MarshalInt32 writes an int32.
func MarshalInt32(i int32) graphql.Marshaler { return graphql.MarshalInt32(i) }

// UnmarshalInt32 coerces an Int input held in an int32.
func UnmarshalInt32(v any) (int32, error) { return int32Of(v) }

// int32Of accepts what an integer literal or a JSON number decodes to. A
// string is refused even when it holds digits (the specification's input
// coercion of Int), and so is a number with a fraction.
func int32Of(v any) (int32, error) {
	var n int64
	switch v := v.(type) {
	case int:
		n = int64(v)
	case int32:
		return v, nil
	case int64:
		n = v
	case json.Number:
		i, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			// 1e3 or 5.0 are integers in JSON's number model.
			f, ferr := strconv.ParseFloat(string(v), 64)
			if ferr != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
				return 0, notInt(string(v))
			}
			i = int64(f)
		}
		n = i
	case float64:
		if v != math.Trunc(v) || v < math.MinInt32 || v > math.MaxInt32 {
			return 0, notInt(strconv.FormatFloat(v, 'g', -1, 64))
		}
		n = int64(v)
	case nil:
		return 0, nil
	default:
		return 0, apperr.Invalidf("", ReasonInvalidInt, "Int cannot represent a non-integer value")
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, notInt(strconv.FormatInt(n, 10))
	}
	return int32(n), nil
}

func notInt(s string) error {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return apperr.Invalidf("", ReasonInvalidInt,
		"Int cannot represent %s: an Int is a 32-bit signed integer (-2147483648 to 2147483647)", s)
}

// MarshalTime writes a time as RFC 3339 with nanoseconds, as gqlgen does.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime coerces a Time input: an RFC 3339 date and time, with or
// without fractional seconds ("2024-05-01T12:00:00Z").
func UnmarshalTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case nil:
		return time.Time{}, nil
	case string:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, apperr.Invalidf("", ReasonInvalidTime,
		"Time must be an RFC 3339 date and time, such as 2024-05-01T12:00:00Z")
}
