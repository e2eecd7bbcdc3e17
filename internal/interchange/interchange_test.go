package interchange_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"userbridge/internal/interchange"
)

// readAll reads every line, collecting records and line errors apart.
func readAll(t *testing.T, in []byte, maxLine int) ([]interchange.Record, []*interchange.LineError) {
	t.Helper()
	r, err := interchange.NewReader(bytes.NewReader(in), maxLine)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var recs []interchange.Record
	var bad []*interchange.LineError
	for {
		rec, err := r.Next()
		var le *interchange.LineError
		switch {
		case errors.Is(err, io.EOF):
			return recs, bad
		case errors.As(err, &le):
			bad = append(bad, le)
		case err != nil:
			t.Fatal(err)
		default:
			recs = append(recs, rec)
		}
	}
}

func TestReadsEveryTypeFromPlainAndGzip(t *testing.T) {
	const file = `{"type":"application","id":"0123456789abcdef0123456789abcdef","name":"Portal","verified":true,"public":false,"secret":"s3cret-s3cret-s3cret"}
{"type":"user","email":"ada@example.org","email_verified":true,"given_name":"Ada","legacy_ids":{"maarch":17,"usersv1":"usr_AbCdEf12"},"password_hash":{"algorithm":"bcrypt","value":"$2y$10$x"},"created_at":"2020-01-02T03:04:05Z"}

{"type":"setting","key":"link_secret","value":"abc"}
`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte(file)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"plain": []byte(file), "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			recs, bad := readAll(t, in, 1<<20)
			if len(bad) != 0 || len(recs) != 3 {
				t.Fatalf("records %d, bad %v", len(recs), bad)
			}
			if recs[0].Application == nil || recs[0].Application.Name != "Portal" || recs[0].Line != 1 {
				t.Fatalf("application: %+v", recs[0])
			}
			u := recs[1].User
			if u == nil || u.Email != "ada@example.org" || *u.LegacyIDs.Maarch != 17 || *u.LegacyIDs.Usersv1 != "usr_AbCdEf12" ||
				u.PasswordHash.Algorithm != "bcrypt" || !u.CreatedAt.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Fatalf("user: %+v", u)
			}
			if recs[2].Setting == nil || recs[2].Line != 4 {
				t.Fatalf("setting: %+v", recs[2])
			}
		})
	}
}

func TestHostileLinesAreRejectedOneByOne(t *testing.T) {
	deep := `{"type":"user","email":"a@b.c","files":[{"name":"x","base64":"` + strings.Repeat("[", 1) + `"}]}`
	cases := map[string]struct{ line, reason string }{
		"invalid utf8":         {"{\"type\":\"user\",\"email\":\"\xff@b.c\"}", interchange.ReasonInvalidUTF8},
		"nul in a value":       {`{"type":"user","email":"a\u0000@b.c"}`, interchange.ReasonNUL},
		"nul in a key":         {`{"type":"user","a\u0000":1}`, interchange.ReasonNUL},
		"duplicate key":        {`{"type":"user","email":"a@b.c","email":"x@y.z"}`, interchange.ReasonDuplicate},
		"deep nesting":         {`{"type":"user","x":` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `}`, interchange.ReasonTooDeep},
		"100000 items":         {`{"type":"user","privileges":[` + strings.Repeat(`"a",`, 99999) + `"a"]}`, interchange.ReasonTooMany},
		"unknown key":          {`{"type":"user","email":"a@b.c","is_admin":true}`, interchange.ReasonUnknownKey},
		"unknown type":         {`{"type":"group"}`, interchange.ReasonUnknownType},
		"no type":              {`{"email":"a@b.c"}`, interchange.ReasonUnknownType},
		"not an object":        {`[{"type":"user"}]`, interchange.ReasonInvalidJSON},
		"two values":           {`{"type":"user","email":"a@b.c"} {"type":"user"}`, interchange.ReasonInvalidJSON},
		"truncated":            {`{"type":"user","email":"a@`, interchange.ReasonInvalidJSON},
		"wrong type":           {`{"type":"user","email":42}`, interchange.ReasonInvalidJSON},
		"legacy id a string":   {`{"type":"user","email":"a@b.c","legacy_ids":{"maarch":"17"}}`, interchange.ReasonInvalidJSON},
		"bad time":             {`{"type":"user","email":"a@b.c","created_at":"yesterday"}`, interchange.ReasonInvalidJSON},
		"too long":             {`{"type":"user","email":"` + strings.Repeat("a", 5000) + `@b.c"}`, interchange.ReasonLineTooLong},
		"brackets in a string": {deep, ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			in := c.line + "\n" + `{"type":"user","email":"next@b.c"}` + "\n"
			maxLine := 4096
			if c.reason != interchange.ReasonLineTooLong {
				maxLine = 1 << 20
			}
			recs, bad := readAll(t, []byte(in), maxLine)
			if c.reason == "" {
				if len(bad) != 0 {
					t.Fatalf("rejected: %v", bad[0])
				}
				return
			}
			if len(bad) != 1 || bad[0].Reason != c.reason || bad[0].Line != 1 {
				t.Fatalf("want one %s on line 1, got %v", c.reason, bad)
			}
			if len(recs) != 1 || recs[0].User.Email != "next@b.c" || recs[0].Line != 2 {
				t.Fatalf("the next line must still be read: %+v", recs)
			}
			if strings.Contains(bad[0].Detail, "x@y.z") || strings.Contains(bad[0].Error(), "\xff") {
				t.Fatalf("the detail echoes the line: %q", bad[0].Detail)
			}
		})
	}
}

func TestATooLongLineIsNeverBuffered(t *testing.T) {
	// 64 MiB of one line, read through a reader that refuses to keep more
	// than the bound: the reader must stream past it.
	huge := io.MultiReader(strings.NewReader(`{"type":"user","email":"`),
		io.LimitReader(repeatReader('a'), 64<<20), strings.NewReader("\"}\n{\"type\":\"user\",\"email\":\"b@c.d\"}\n"))
	r, err := interchange.NewReader(huge, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	var le *interchange.LineError
	if !errors.As(err, &le) || le.Reason != interchange.ReasonLineTooLong {
		t.Fatalf("want line_too_long, got %v", err)
	}
	rec, err := r.Next()
	if err != nil || rec.User.Email != "b@c.d" || rec.Line != 2 {
		t.Fatalf("next record: %+v %v", rec, err)
	}
}

type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestWriterOutputReadsBack(t *testing.T) {
	var buf bytes.Buffer
	w := interchange.NewWriter(&buf)
	name := "Ada <Lovelace>"
	maarch := int64(3)
	if err := w.WriteUser(&interchange.User{Email: "a@b.c", GivenName: &name, LegacyIDs: &interchange.LegacyIDs{Maarch: &maarch}}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSetting(&interchange.Setting{Key: "k", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if !strings.Contains(buf.String(), "Ada <Lovelace>") {
		t.Fatalf("HTML must not be escaped: %s", buf.String())
	}
	recs, bad := readAll(t, buf.Bytes(), 1<<10)
	if len(bad) != 0 || len(recs) != 2 || *recs[0].User.GivenName != name || *recs[0].User.LegacyIDs.Maarch != 3 {
		t.Fatalf("%+v %v", recs, bad)
	}
}
