package files_test

import (
	"strings"
	"testing"

	"userbridge/internal/rules/files"
)

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("é", 200) + ".json" // 400 bytes of name
	cases := []struct{ name, in, want, fileType string }{
		{"plain", "test_file.json", "test_file.json", "json"},
		{"unix-path", "../../etc/passwd", "passwd", ""},
		{"windows-path", `C:\Users\me\Report.PDF`, "Report.PDF", "pdf"},
		{"control-chars", "a\x00b\r\nc\x7f.txt", "abc.txt", "txt"},
		{"bidi-override", "invoice\u202Efdp.exe", "invoicefdp.exe", "exe"},
		{"tab-removed", "a\tb.csv", "ab.csv", "csv"},
		{"unicode-space", "a\u00a0b.csv", "a b.csv", "csv"},
		{"trim-dots-spaces", "  ..hidden.txt. ", "hidden.txt", "txt"},
		{"dot-dot", "..", files.FallbackName, ""},
		{"empty", "", files.FallbackName, ""},
		{"only-slashes", "///", files.FallbackName, ""},
		{"invalid-utf8", "\xff\xfe.png", "png", ""},
		{"no-extension", "README", "README", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := files.SanitizeName(c.in)
			if got != c.want {
				t.Fatalf("SanitizeName(%q) = %q, want %q", c.in, got, c.want)
			}
			if ft := files.FileType(got); ft != c.fileType {
				t.Fatalf("FileType(%q) = %q, want %q", got, ft, c.fileType)
			}
		})
	}
	t.Run("bounded-keeps-extension", func(t *testing.T) {
		got := files.SanitizeName(long)
		if len(got) > files.MaxNameBytes || !strings.HasSuffix(got, ".json") || !strings.HasPrefix(got, "é") {
			t.Fatalf("got %d bytes %q", len(got), got)
		}
		if !strings.HasSuffix(strings.TrimSuffix(got, ".json"), "é") {
			t.Fatalf("cut inside a character: %q", got)
		}
	})
}

func TestContentDisposition(t *testing.T) {
	cases := map[string]string{
		"test_file.json": `attachment; filename="test_file.json"`,
		`a"b\c.txt`:      `attachment; filename="a_b_c.txt"; filename*=UTF-8''a%22b%5Cc.txt`,
		"résumé 1.pdf":   `attachment; filename="r_sum_ 1.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf`,
	}
	for in, want := range cases {
		if got := files.ContentDisposition(in); got != want {
			t.Errorf("ContentDisposition(%q) = %s, want %s", in, got, want)
		}
	}
}
