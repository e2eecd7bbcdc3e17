package gid_test

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"userbridge/graph/gid"
)

func raw(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestNonCanonicalIdsAreRefused: one object has one global id. Spellings
// that Atoi or the base64 decoder would also read as 798 are refused.
func TestNonCanonicalIdsAreRefused(t *testing.T) {
	canonical := gid.Encode(798)
	short := gid.Encode(79) // 5 bytes: the last character carries 2 unused bits
	if id, err := gid.Decode(canonical); err != nil || id != 798 {
		t.Fatalf("Decode(Encode(798)) = %d, %v", id, err)
	}
	for name, s := range map[string]string{
		"leading zero":           raw("ub:0798"),
		"plus sign":              raw("ub:+798"),
		"minus zero":             raw("ub:-0"),
		"leading space":          raw("ub: 798"),
		"trailing space":         raw("ub:798 "),
		"overflow":               raw("ub:99999999999999999999"),
		"negative":               raw("ub:-798"),
		"padded base64":          base64.URLEncoding.EncodeToString([]byte("ub:79")),
		"standard alphabet":      base64.StdEncoding.EncodeToString([]byte("ub:798?")),
		"line break inside":      canonical[:3] + "\n" + canonical[3:],
		"carriage return at end": canonical + "\r",
		"unused trailing bits":   short[:len(short)-1] + string(short[len(short)-1]+1),
		"empty number":           raw("ub:"),
		"no prefix":              raw("798"),
	} {
		if id, err := gid.Decode(s); err == nil {
			t.Errorf("%s: %q decodes to %d", name, s, id)
		}
	}
}

// TestMarshalIDWritesTheQuotedGlobalID: MarshalID's bytes are Encode's
// string as JSON, for small, global-range and extreme ids, in one
// allocation.
func TestMarshalIDWritesTheQuotedGlobalID(t *testing.T) {
	for _, id := range []int{0, 1, 9, 10, 798, 1 << 32, 1<<32 + 4097, 3<<32 - 1, 1<<63 - 1, -1, -1 << 63} {
		var b strings.Builder
		gid.MarshalID(id).MarshalGQL(&b)
		if want := strconv.Quote(gid.Encode(id)); b.String() != want {
			t.Errorf("MarshalID(%d) writes %s, want %s", id, b.String(), want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = gid.MarshalID(1<<32 + 4097) }); n > 1 {
		t.Errorf("MarshalID allocates %v times, want 1", n)
	}
}
