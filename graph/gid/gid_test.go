package gid_test

import (
	"encoding/base64"
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
