package ident_test

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"userbridge/internal/rules/ident"
)

// TestKey covers which spellings name the same identifier.
func TestKey(t *testing.T) {
	same := []struct{ name, a, b string }{
		{"KELVIN SIGN is K", "\u212Aate@example.com", "kate@example.com"},
		{"case is ignored", "Kate@Example.COM", "kate@example.com"},
		{"fullwidth letters are ASCII letters", "\uFF4B\uFF41\uFF54\uFF45", "kate"},
		{"ligature fi is f and i", "\uFB01le", "file"},
		{"sharp s folds to ss", "Stra\u00DFe", "STRASSE"},
		{"composed and decomposed e acute", "caf\u00E9", "cafe\u0301"},
		{"ANGSTROM SIGN is A with ring", "\u212B", "\u00E5"},
	}
	for _, c := range same {
		t.Run("same/"+c.name, func(t *testing.T) {
			if ident.Key(c.a) != ident.Key(c.b) {
				t.Fatalf("Key(%q) = %q, Key(%q) = %q", c.a, ident.Key(c.a), c.b, ident.Key(c.b))
			}
		})
	}
	different := []struct{ name, a, b string }{
		{"Cyrillic a is not Latin a", "\u0430dmin", "admin"},
		{"dotless i is not i", "\u0131", "i"},
	}
	for _, c := range different {
		t.Run("different/"+c.name, func(t *testing.T) {
			if ident.Key(c.a) == ident.Key(c.b) {
				t.Fatalf("Key(%q) = Key(%q) = %q", c.a, c.b, ident.Key(c.a))
			}
		})
	}
	t.Run("idempotent and in NFKC", func(t *testing.T) {
		for _, s := range []string{"\u212Aate", "\u0345", "\u0130stanbul", "\u1E9E", "\uFB03", "\u01C5", "\u1F80", "\u0390"} {
			k := ident.Key(s)
			if ident.Key(k) != k || !norm.NFKC.IsNormalString(k) {
				t.Errorf("Key(%q) = %q, Key of that %q", s, k, ident.Key(k))
			}
		}
	})
}

// TestCanonical covers what may be an identifier and the form it is stored in.
func TestCanonical(t *testing.T) {
	accepted := []struct{ name, in, want string }{
		{"ASCII is kept", "Kate@example.com", "Kate@example.com"},
		{"KELVIN SIGN is stored as K", "\u212Aate@example.com", "Kate@example.com"},
		{"fullwidth is stored as ASCII, case kept", "\uFF2Bate", "Kate"},
		{"accented letters are kept composed", "cafe\u0301", "caf\u00E9"},
	}
	for _, c := range accepted {
		t.Run("accepted/"+c.name, func(t *testing.T) {
			if got, ok := ident.Canonical(c.in); !ok || got != c.want {
				t.Fatalf("Canonical(%q) = %q, %v; want %q", c.in, got, ok, c.want)
			}
		})
	}
	refused := []struct{ name, in string }{
		{"NUL", "ka\x00te@example.com"},
		{"invalid UTF-8", "ka\xffte@example.com"},
		{"truncated UTF-8", "kate\xe2\x84"},
		{"replacement character", "ka\uFFFDte"},
		{"control character", "ka\x01te"},
		{"DEL", "ka\x7fte"},
		{"right-to-left override", "ka\u202Ete"},
		{"zero-width joiner", "ka\u200Dte"},
		{"zero-width space", "ka\u200Bte"},
		{"no-break space", "ka\u00A0te"},
		{"space", "ka te"},
		{"line separator", "ka\u2028te"},
		{"private use", "ka\uE000te"},
		{"unassigned", "ka\U000E0080te"},
		{"empty", ""},
	}
	for _, c := range refused {
		t.Run("refused/"+c.name, func(t *testing.T) {
			if got, ok := ident.Canonical(c.in); ok {
				t.Fatalf("Canonical(%q) = %q, accepted", c.in, got)
			}
			if _, ok := ident.LookupKey(c.in); ok {
				t.Fatalf("LookupKey(%q) accepted", c.in)
			}
		})
	}
	t.Run("LookupKey of an accepted identifier is its Key", func(t *testing.T) {
		in := strings.Repeat("\u212A", 3) + "@example.com"
		if k, ok := ident.LookupKey(in); !ok || k != "kkk@example.com" {
			t.Fatalf("LookupKey(%q) = %q, %v", in, k, ok)
		}
	})
}
