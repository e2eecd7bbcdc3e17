package importer_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"userbridge/internal/importer"
)

// pngHeader is a PNG whose header declares w×h pixels, with no pixel data
// worth the name: what an image bomb looks like to a header-only check.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
		b.WriteString(typ)
		b.Write(data)
		b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(append([]byte(typ), data...))))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// Each hostile record is rejected with its own reason, and nothing of it
// is written; the good records around them are imported.
func TestHostileRecordsAreRejectedAlone(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		dir := t.TempDir()
		outside := filepath.Join(t.TempDir(), "secret.txt")
		writeFile(t, outside, []byte("not yours"))
		if err := os.Symlink(outside, filepath.Join(dir, "link.txt")); err != nil {
			t.Fatal(err)
		}
		user := func(email string, extra map[string]any) map[string]any {
			m := map[string]any{"type": "user", "email": email, "email_verified": true}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		bomb := base64.StdEncoding.EncodeToString(pngHeader(50000, 50000))
		trailing := pngB64(t, 1, 1) // replaced below with garbage appended
		raw, _ := base64.StdEncoding.DecodeString(trailing)
		trailing = base64.StdEncoding.EncodeToString(append(raw, bytes.Repeat([]byte{0xAB}, 4096)...))
		cases := []struct {
			line   any
			reason string
		}{
			{`{"type":"user","email":"broken@example.org"`, "invalid_json"},
			{"{\"type\":\"user\",\"email\":\"nul\\u0000@example.org\"}", "nul_character"},
			{`{"type":"user","email":"dup@example.org","email":"admin@example.org"}`, "duplicate_key"},
			{user("not-an-email", nil), "invalid_email"},
			{user("priv@example.org", map[string]any{"privileges": []string{"root_of_all"}}), "invalid_privilege"},
			{user("traverse@example.org", map[string]any{"files": []any{map[string]any{"name": "x", "path": "../../etc/passwd"}}}), "unreadable_file"},
			{user("link@example.org", map[string]any{"files": []any{map[string]any{"name": "x", "path": "link.txt"}}}), "unreadable_file"},
			{user("bomb@example.org", map[string]any{"avatar": map[string]any{"base64": bomb}}), "image_too_large"},
			{user("trailing@example.org", map[string]any{"avatar": map[string]any{"base64": trailing}}), "not_an_image"},
			{user("weak@example.org", map[string]any{"credentials": []any{map[string]any{"kind": "api_key", "token": "short", "scopes": []string{}}}}), "invalid_credential"},
			{user("noapp@example.org", map[string]any{"credentials": []any{map[string]any{"kind": "api_key",
				"token": "a-long-enough-legacy-token", "application": "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "scopes": []string{}}}}), "unknown_application"},
			{user("badid@example.org", map[string]any{"legacy_ids": map[string]any{"usersv1": "usr_<script>"}}), "invalid_legacy_id"},
			{user("hash@example.org", map[string]any{"password_hash": map[string]any{"algorithm": "rot13", "value": "x"}}), "unknown_hash_algorithm"},
			{user("many@example.org", map[string]any{"files": slices.Repeat([]any{map[string]any{"name": "f", "base64": "eA=="}}, 6)}), "quota"},
			{"{\"type\":\"user\",\"email\":\"\xff\xfe@example.org\"}", "invalid_utf8"},
			{`{"type":"user","email":"long@example.org","given_name":"` + strings.Repeat("a", e.im.Limits.MaxLine()) + `"}`, "line_too_long"},
			{`{"type":"user","email":"ids@example.org","legacy_ids":{` + manyKeys(1_000_000) + `}}`, "too_many_items"},
			{user("dupid@example.org", map[string]any{"legacy_ids": map[string]any{"maarch": 123}}), "legacy_id_taken"},
			{user("sets@example.org", map[string]any{"signatures": signatureSets(t, 11)}), "signature_sets_limit"},
		}
		lines := []any{user("first@example.org", map[string]any{"legacy_ids": map[string]any{"maarch": 123}})}
		for _, c := range cases {
			lines = append(lines, c.line)
		}
		lines = append(lines, user("last@example.org", nil))
		sum, rep := e.run(t, file(t, lines...), importer.Options{FilesDir: dir})
		if sum.Created != 2 || sum.Rejected != len(cases) {
			t.Fatalf("summary %+v\nreport %v", sum, rep)
		}
		got := map[int]string{}
		for _, l := range rep {
			if l["outcome"] == "rejected" {
				got[int(l["line"].(float64))], _ = l["reason"].(string)
			}
		}
		for i, c := range cases {
			if got[i+2] != c.reason {
				t.Errorf("line %d: want %s, got %q", i+2, c.reason, got[i+2])
			}
		}
		if n, _ := e.Store.Client.User.Query().Count(t.Context()); n != 2 {
			t.Fatalf("%d users written, want 2", n)
		}
		if strings.Contains(fmt.Sprint(rep), "not yours") {
			t.Fatal("a report line echoes a file outside --files-dir")
		}
		if left := e.blobs(t); left != 0 {
			t.Fatalf("%d blobs left by rejected records", left)
		}
	})
}

// manyKeys is the inside of a JSON object with n keys.
func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	return b.String()
}

// signatureSets is n signatures, each for its own external application.
func signatureSets(t *testing.T, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"external_application": fmt.Sprintf("app%d", i), "format": "png", "base64": pngB64(t, 1, 1)}
	}
	return out
}
