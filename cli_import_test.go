package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/store/db/dbtest"
)

func TestImportAndExportCommands(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		dir := t.TempDir()
		storage := "file://" + filepath.Join(dir, "files")
		with := func(args ...string) []string { return append(args, "--database", dbURL, "--storage", storage) }
		good := filepath.Join(dir, "good.jsonl")
		writeLines(t, good,
			`{"type":"user","email":"ada@example.org","email_verified":true,"given_name":"Ada","legacy_ids":{"maarch":31337}}`,
			`{"type":"user","email":"bob@example.org","email_verified":true}`)
		report := filepath.Join(dir, "report.jsonl")

		t.Run("all imported: exit 0, a summary sentence then one JSON line", func(t *testing.T) {
			r := cli(t, "", with("import", good, "--progress", "json", "--report", report)...)
			if r.Code != 0 {
				t.Fatalf("exit %d: %v\n%s", r.Code, r.Err, r.Stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
			var s struct{ Summary map[string]any }
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil || s.Summary["created"] != float64(2) {
				t.Fatalf("summary: %q", r.Stderr)
			}
			if !strings.Contains(lines[len(lines)-2], "2 created") {
				t.Fatalf("summary sentence: %q", lines[len(lines)-2])
			}
			// The first line names the store, as every store command's does.
			if want := storeLine(app.Config{DatabaseURL: dbURL, StorageURL: storage}, true, ""); lines[0] != want {
				t.Fatalf("first line %q, want %q", lines[0], want)
			}
			if st, err := os.Stat(report); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("report: %v %v", st.Mode(), err)
			}
		})
		t.Run("run again: nothing changes", func(t *testing.T) {
			r := cli(t, "", with("import", good, "--progress", "none")...)
			if r.Code != 0 || !strings.Contains(r.Stderr, "0 created, 0 merged, 2 unchanged") {
				t.Fatalf("exit %d: %s", r.Code, r.Stderr)
			}
		})
		t.Run("some rejected: exit 1, the others are in", func(t *testing.T) {
			mixed := filepath.Join(dir, "mixed.jsonl")
			writeLines(t, mixed, `{"type":"user","email":"carol@example.org","email_verified":true}`, `{"type":"user","email":"nope"}`)
			r := cli(t, "", with("import", mixed, "--progress", "none")...)
			if r.Code != 1 || !strings.Contains(r.Stderr, "1 created") || !strings.Contains(r.Stderr, "1 rejected") {
				t.Fatalf("exit %d: %s", r.Code, r.Stderr)
			}
		})
		t.Run("usage errors: exit 2, nothing written", func(t *testing.T) {
			fails(t, 2, "no such file", with("import", filepath.Join(dir, "missing.jsonl"))...)
			fails(t, 2, "takes one FILE", with("import")...)
			fails(t, 2, "--progress must be", with("import", good, "--progress", "fancy")...)
			fails(t, 2, "--dsn is required", with("import", "maarch")...)
		})
		t.Run("export: owner-only, reads back", func(t *testing.T) {
			out := filepath.Join(dir, "store.jsonl")
			ok(t, "", with("export", "--out", out)...)
			st, err := os.Stat(out)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("export file: %v %v", st, err)
			}
			data, _ := os.ReadFile(out)
			if strings.Count(string(data), `"type":"user"`) != 3 || !strings.Contains(string(data), `"maarch":31337`) {
				t.Fatalf("export: %s", data)
			}
		})
	})
}

func writeLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}
