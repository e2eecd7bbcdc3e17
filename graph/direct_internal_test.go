package graph

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// gqlgenString is what the executor writes for s.
func gqlgenString(s string) []byte {
	var b bytes.Buffer
	graphql.MarshalString(s).MarshalGQL(&b)
	return b.Bytes()
}

// TestWriteStringIsGqlgens: a direct answer writes every string as the
// executor does, byte for byte: control characters, quotes, backslashes,
// NUL, multi-byte characters and invalid UTF-8 (kept as it is).
func TestWriteStringIsGqlgens(t *testing.T) {
	cases := []string{"", "plain", `quote " and \ backslash`, "tab\tcr\rlf\n", "nul\x00 bell\x07 esc\x1b us\x1f",
		"del\x7f", "é ü 漢字 😀", "invalid \xff\xfe", "truncated \xe2\x82", "lone continuation \x80\"",
		"\xc3\"", "</script>&<>", "\u2028\u2029"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		var got bytes.Buffer
		writeString(&got, s)
		if want := gqlgenString(s); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("%q: wrote %q, gqlgen writes %q", s, got.Bytes(), want)
		}
	}
}

func FuzzWriteString(f *testing.F) {
	f.Add("a\x00\"\\\xff\n")
	f.Fuzz(func(t *testing.T, s string) {
		var got bytes.Buffer
		writeString(&got, s)
		if want := gqlgenString(s); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("%q: wrote %q, gqlgen writes %q", s, got.Bytes(), want)
		}
	})
}

// TestDirectFieldsAreInTheSchema: every field a direct answer writes is a
// field of its type in the schema, of the type directFields says, and
// every type it names has its implementors.
func TestDirectFieldsAreInTheSchema(t *testing.T) {
	for typ, fields := range directFields {
		def := parsedSchema.Types[typ]
		if def == nil {
			t.Fatalf("%s: no such type", typ)
		}
		if directImplementors[typ] == nil {
			t.Errorf("%s: no implementors", typ)
		}
		for name, child := range fields {
			f := def.Fields.ForName(name)
			if f == nil {
				t.Errorf("%s.%s: no such field", typ, name)
				continue
			}
			isObject := parsedSchema.Types[f.Type.Name()].Kind == "OBJECT"
			if isObject != (child != "") || (isObject && f.Type.Name() != child) {
				t.Errorf("%s.%s is %s in the schema, %q in directFields", typ, name, f.Type, child)
			}
		}
	}
}

// directEveryDepth is how deep DirectEveryField expands objects: a
// user's files' owner's avatar's owner, within the selection limit.
const directEveryDepth = 9

// DirectEveryField is a query selecting every field directFields lists,
// each object type expanded down to directEveryDepth, with small pages:
// TestDirectAnswersEveryField sends it.
var DirectEveryField = func() string {
	var b strings.Builder
	var sel func(typ string, depth int)
	sel = func(typ string, depth int) {
		b.WriteString("{ __typename")
		names := make([]string, 0, len(directFields[typ]))
		for name := range directFields[typ] {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			child := directFields[typ][name]
			if child != "" && depth >= directEveryDepth {
				continue
			}
			b.WriteString(" " + name)
			switch name {
			case "users":
				b.WriteString("(first: 3)")
			case "files":
				b.WriteString("(first: 2)")
			case "user":
				b.WriteString("(id: $id)")
			}
			if child != "" {
				b.WriteString(" ")
				sel(child, depth+1)
			}
		}
		b.WriteString(" }")
	}
	b.WriteString("query Every($id: ID!) ")
	sel("Query", 0)
	return b.String()
}()
