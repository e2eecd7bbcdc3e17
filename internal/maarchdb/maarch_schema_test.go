package maarchdb

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"userbridge/internal/maarchdb/maarchtest"
)

// maarchDB is a scratch PostgreSQL schema holding Maarch's structure.
type maarchDB struct {
	*maarchtest.DB
	url string
}

func newMaarchDB(t *testing.T) *maarchDB {
	t.Helper()
	m := maarchtest.New(t)
	return &maarchDB{DB: m, url: m.URL}
}

func (m *maarchDB) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	m.Exec(t, sql, args...)
}

// writeFile creates dir/rel with content, and its directories.
func writeFile(t testing.TB, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readAll drains r.
func readAll(t *testing.T, r *Reader) (map[int64]*Person, map[int64]*Rejection, []int64) {
	t.Helper()
	people, rejected := map[int64]*Person{}, map[int64]*Rejection{}
	var order []int64
	for {
		p, rej, err := r.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return people, rejected, order
			}
			t.Fatalf("Next: %v", err)
		}
		switch {
		case p != nil && rej == nil:
			people[p.ID] = p
			order = append(order, p.ID)
		case rej != nil && p == nil:
			rejected[rej.MaarchID] = rej
			order = append(order, rej.MaarchID)
		default:
			t.Fatalf("Next returned person %v and rejection %v", p, rej)
		}
	}
}
