package importer_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/importer"
	"userbridge/internal/rules/ident"
)

// An outsider's hostile interchange files, each line refused alone with
// its reason while the lines around it are imported.

// TestOutsiderKeySpellings: encoding/json matches a struct's keys without
// regard to case (Unicode simple folding: "ſ" is "s", "K" is "k"), so a
// key spelled "Email" or "ſtatus" would reach the field "email" or
// "status" while every other reader of the file (jq, a reviewer's eyes, a
// script checking the export) sees an unknown key, or a second value it
// ignores. The format defines every key byte for byte: any other spelling
// is an unknown key, and the same key twice, escaped or not, a duplicate.
func TestOutsiderKeySpellings(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cases := []struct {
			line, reason string
		}{
			// The reviewer reads shown@; a case-blind decoder imports hidden@.
			{`{"type":"user","email":"shown1@example.org","Email":"hidden1@example.org","email_verified":true}`, "unknown_key"},
			{`{"type":"user","email":"shown2@example.org","EMAIL":"hidden2@example.org"}`, "unknown_key"},
			// A role no lower-case reader notices.
			{`{"type":"user","email":"role@example.org","Role":"admin"}`, "unknown_key"},
			// U+017F LATIN SMALL LETTER LONG S folds to s; U+212A KELVIN SIGN to k.
			{`{"type":"user","email":"long-s@example.org","ſtatus":"banned"}`, "unknown_key"},
			{"{\"type\":\"user\",\"email\":\"kelvin@example.org\",\"credentials\":[{\"\u212aind\":\"api_key\",\"token\":\"a-long-enough-legacy-token\",\"scopes\":[]}]}", "unknown_key"},
			{`{"TYPE":"user","email":"type@example.org"}`, "unknown_key"},
			// The same key, once escaped: one key twice.
			{`{"type":"user","email":"esc@example.org","\u0065mail":"hidden3@example.org"}`, "duplicate_key"},
		}
		lines := []any{map[string]any{"type": "user", "email": "first@example.org"}}
		for _, c := range cases {
			lines = append(lines, c.line)
		}
		lines = append(lines, map[string]any{"type": "user", "email": "last@example.org"})
		sum, rep := e.run(t, file(t, lines...), importer.Options{})
		got := map[int]string{}
		for _, l := range rep {
			if l["outcome"] == "rejected" {
				got[int(l["line"].(float64))], _ = l["reason"].(string)
			}
		}
		for i, c := range cases {
			// Without a "type" spelled right, a line may say so instead.
			if got[i+2] != c.reason && !(strings.HasPrefix(c.line, `{"TYPE"`) && got[i+2] == "unknown_type") {
				t.Errorf("line %d %s: want %s, got %q", i+2, c.line, c.reason, got[i+2])
			}
		}
		if sum.Created != 2 || sum.Rejected != len(cases) {
			t.Errorf("summary %+v", sum)
		}
		n, err := e.Store.Client.User.Query().Where(user.Or(
			user.EmailKeyIn(ident.Key("hidden1@example.org"), ident.Key("hidden2@example.org"), ident.Key("hidden3@example.org")),
			user.RoleEQ(user.RoleAdmin), user.StatusNEQ(user.StatusActive))).Count(t.Context())
		if err != nil || n != 0 {
			t.Fatalf("%d users imported through a key spelled otherwise (%v)", n, err)
		}
	})
}

// TestOutsiderShapes: nesting far past the bound, 100,000 items, numbers
// no id can be, a byte-order mark, a carriage return inside a line, and a
// gzip stream whose one line inflates past the longest record: each is
// one rejected line, read with bounded work, and the run goes on.
func TestOutsiderShapes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		deep := `{"type":"user","email":"deep@example.org","avatar":{"path":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}}`
		items := `{"type":"user","email":"items@example.org","credentials":[` + strings.TrimSuffix(strings.Repeat(`{},`, 100_000), ",") + `]}`
		cases := []struct {
			line, reason string
		}{
			{deep, "too_deep"},
			{items, "too_many_items"},
			{`{"type":"user","email":"huge@example.org","legacy_ids":{"maarch":1e400}}`, "invalid_json"},
			{`{"type":"user","email":"neg@example.org","legacy_ids":{"eduplatform":-1}}`, "invalid_legacy_id"},
			{`{"type":"user","email":"big@example.org","legacy_ids":{"eduplatform":9223372036854775808}}`, "invalid_json"},
			{"\uFEFF" + `{"type":"user","email":"bom@example.org"}`, "invalid_json"},
			{`{"type":"user","email":"cr@example.org"}` + "\r" + `{"type":"user","email":"cr2@example.org","role":"admin"}`, "invalid_json"},
		}
		lines := []any{map[string]any{"type": "user", "email": "first@example.org"}}
		for _, c := range cases {
			lines = append(lines, c.line)
		}
		lines = append(lines, map[string]any{"type": "user", "email": "last@example.org"})
		sum, rep := e.run(t, file(t, lines...), importer.Options{})
		got := map[int]string{}
		for _, l := range rep {
			if l["outcome"] == "rejected" {
				got[int(l["line"].(float64))], _ = l["reason"].(string)
			}
		}
		for i, c := range cases {
			if got[i+2] != c.reason {
				line := c.line
				if len(line) > 80 {
					line = line[:80]
				}
				t.Errorf("line %d %s: want %s, got %q", i+2, line, c.reason, got[i+2])
			}
		}
		if sum.Created != 2 || sum.Rejected != len(cases) {
			t.Errorf("summary %+v", sum)
		}

		// A compressed line that inflates past the longest record.
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		_, _ = zw.Write([]byte(`{"type":"user","email":"bomb@example.org","given_name":"`))
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range e.im.Limits.MaxLine()>>20 + 8 {
			_, _ = zw.Write(chunk)
		}
		_, _ = zw.Write([]byte("\"}\n{\"type\":\"user\",\"email\":\"after-bomb@example.org\"}\n"))
		_ = zw.Close()
		p := filepath.Join(t.TempDir(), "bomb.jsonl.gz")
		if err := os.WriteFile(p, gz.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		sum, rep = e.run(t, p, importer.Options{})
		if sum.Created != 1 || sum.Rejected != 1 || reasons(rep, "rejected")[0] != "line_too_long" {
			t.Fatalf("gzip bomb: %+v %v", sum, rep)
		}
	})
}

// TestOutsiderFileNames: a legacy file's name is kept as any upload's
// is (files.SanitizeName): no path, no control or bidirectional
// formatting character, no leading dots, whatever the source held.
func TestOutsiderFileNames(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		names := map[string]string{
			"../../etc/passwd":          "passwd",
			`..\..\windows\win.ini`:     "win.ini",
			"invoice\u202Efdp.exe":      "invoicefdp.exe",
			"  ...hidden  ":             "hidden",
			"tab\there\u200bzero-width": "tabherezero-width",
		}
		var files []any
		for n := range names {
			files = append(files, map[string]any{"name": n, "base64": "eA=="})
		}
		sum, rep := e.run(t, file(t, map[string]any{"type": "user", "email": "names@example.org", "files": files}), importer.Options{})
		if sum.Created != 1 {
			t.Fatalf("%+v %v", sum, rep)
		}
		got := map[string]bool{}
		for _, f := range e.byEmail(t, "names@example.org").Edges.Files {
			got[f.Name] = true
		}
		for n, want := range names {
			if !got[want] {
				t.Errorf("%q: stored names %v, want %q", n, got, want)
			}
		}
	})
}
