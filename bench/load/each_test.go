package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadFills(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("without a file, nothing is replaced", func(t *testing.T) {
		fills, err := readFills("")
		if err != nil || len(fills) != 1 {
			t.Fatalf("%d fills, %v", len(fills), err)
		}
		if got := fills[0].Replace("/users/{{pub}}"); got != "/users/{{pub}}" {
			t.Fatalf("got %q", got)
		}
	})

	t.Run("one replacer per object, every key", func(t *testing.T) {
		fills, err := readFills(write("each.json", `[{"token":"t1","pub":"p1"},{"token":"t2","pub":"p2"}]`))
		if err != nil || len(fills) != 2 {
			t.Fatalf("%d fills, %v", len(fills), err)
		}
		for i, want := range []string{"Bearer t1 /v1/users/usr_p1 {{n}}", "Bearer t2 /v1/users/usr_p2 {{n}}"} {
			if got := fills[i].Replace("Bearer {{token}} /v1/users/usr_{{pub}} {{n}}"); got != want {
				t.Errorf("fill %d: got %q, want %q", i, got, want)
			}
		}
	})

	t.Run("refused", func(t *testing.T) {
		for name, body := range map[string]string{"empty.json": `[]`, "object.json": `{"token":"t"}`,
			"numbers.json": `[{"id":4}]`, "broken.json": `[{`} {
			if _, err := readFills(write(name, body)); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
		if _, err := readFills(filepath.Join(dir, "absent.json")); err == nil {
			t.Error("absent file: no error")
		}
	})
}
