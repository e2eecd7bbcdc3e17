package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// importKillRounds is how many times the import is killed before it is
// let finish.
const importKillRounds = 3

// An import killed with SIGKILL at random moments, then run again to the
// end, leaves every person exactly once, each with its file, its token and
// its legacy id: nothing missing, nothing twice.
func TestImportKilledThenRerun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		people := importKillPeople(t)
		storage := "file://" + filepath.Join(t.TempDir(), "files")
		env := []string{"DATABASE_URL=" + dbURL, "STORAGE_URL=" + storage}
		path := filepath.Join(t.TempDir(), "people.jsonl")
		writePeople(t, path, people)
		cli(t, env, "migrate")

		for round := range importKillRounds {
			cmd := exec.Command(binary(t), "import", path, "--rate", "0", "--progress", "none")
			cmd.Env = append(os.Environ(), env...)
			var errOut bytes.Buffer
			cmd.Stderr = &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			t.Logf("round %d: killed; %d users so far", round+1, countRows(t, dbURL, "users"))
		}
		cmd := exec.Command(binary(t), "import", path, "--rate", "0", "--progress", "none")
		cmd.Env = append(os.Environ(), env...)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("final run: %v\n%s", err, errOut.String())
		}
		sum := lastSummary(t, errOut.String())
		t.Logf("final run: %v", sum)
		if sum["rejected"] != 0 {
			t.Fatalf("final run rejected records: %s", errOut.String())
		}
		if n := countRows(t, dbURL, "users"); n != people {
			t.Fatalf("%d users after the rerun, want %d", n, people)
		}
		for table, want := range map[string]int{"files": people, "credentials": people} {
			if n := countRows(t, dbURL, table); n != want {
				t.Errorf("%d rows in %s, want %d", n, table, want)
			}
		}
		if n := countWhere(t, dbURL, "legacy_ids", "dialect = 'maarch' AND value LIKE '7%' AND user_id IS NOT NULL"); n != people {
			t.Errorf("%d imported maarch ids held, want %d", n, people)
		}
		again := exec.Command(binary(t), "import", path, "--rate", "0", "--progress", "none")
		again.Env = append(os.Environ(), env...)
		errOut.Reset()
		again.Stderr = &errOut
		if err := again.Run(); err != nil {
			t.Fatalf("third run: %v", err)
		}
		if s := lastSummary(t, errOut.String()); s["unchanged"] != people || s["created"] != 0 || s["merged"] != 0 {
			t.Fatalf("a run after the end changed something: %v", s)
		}
	})
}

// importKillPeople is how many people the killed import carries: enough
// that the kills land mid-run.
func importKillPeople(t *testing.T) int {
	if testing.Short() {
		return 1000
	}
	return 5000
}

func writePeople(t *testing.T, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i := range n {
		_ = enc.Encode(map[string]any{"type": "user", "email": fmt.Sprintf("p%06d@example.org", i), "email_verified": true,
			"given_name": fmt.Sprintf("Person %d", i), "updated_at": "2024-01-01T00:00:00Z",
			"legacy_ids":  map[string]any{"maarch": 7000000 + i},
			"files":       []any{map[string]any{"name": "note.txt", "base64": "bm90ZQ=="}},
			"credentials": []any{map[string]any{"kind": "api_key", "token": fmt.Sprintf("legacy-key-%012d", i), "scopes": []string{"identity"}}},
		})
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

func lastSummary(t *testing.T, stderr string) map[string]int {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	var out struct{ Summary map[string]any }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil || out.Summary == nil {
		t.Fatalf("no summary line in:\n%s", stderr)
	}
	m := map[string]int{}
	for k, v := range out.Summary {
		if f, ok := v.(float64); ok {
			m[k] = int(f)
		}
	}
	return m
}

func countRows(t *testing.T, dbURL, table string) int { return countWhere(t, dbURL, table, "1=1") }

func countWhere(t *testing.T, dbURL, table, where string) int {
	t.Helper()
	s, err := db.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.Client.QueryContext(context.Background(), "SELECT COUNT(*) FROM "+table+" WHERE "+where)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int
	rows.Next()
	if err := rows.Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
