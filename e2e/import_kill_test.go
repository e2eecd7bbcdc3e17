package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"userbridge/ent/legacyid"
	"userbridge/internal/rules/files/blobtest"
	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// importKillRounds is how many times the import is killed before it is
// let finish.
const importKillRounds = 3

// An import killed with SIGKILL at random moments, then run again to the
// end, leaves every person exactly once, each with its file, its token and
// its legacy id: nothing missing, nothing twice.
// It runs on a folder and, when TEST_S3_URL is set, on S3 (subtests
// "file" and "s3" of each database).
func TestImportKilledThenRerun(t *testing.T) {
	for _, b := range []dbtest.Backend{dbtest.SQLite, dbtest.Postgres} {
		t.Run(string(b), func(t *testing.T) {
			blobtest.Each(t, func(t *testing.T, storage string) {
				importKilledThenRerun(t, dbtest.URL(t, b), storage) // a fresh store each
			})
		})
	}
}

func importKilledThenRerun(t *testing.T, dbURL, storage string) {
	people := importKillPeople(t, storage)
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
		// The kill lands while people are being written: once this round
		// has written its first batch (on a loaded machine a fixed delay
		// lands in the first pass), then at a random moment.
		before := countImport(t, dbURL).users
		for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
			if countImport(t, dbURL).users > before {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(700)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		t.Logf("round %d: killed; %d users so far", round+1, countImport(t, dbURL).users)
	}
	cmd := exec.Command(binary(t), "import", path, "--rate", "0", "--progress", "none")
	cmd.Env = append(os.Environ(), env...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	began := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("final run: %v\n%s", err, errOut.String())
	}
	sum := lastSummary(t, errOut.String())
	t.Logf("final run (%s): %v", time.Since(began).Round(time.Millisecond), sum)
	if sum["rejected"] != 0 {
		t.Fatalf("final run rejected records: %s", errOut.String())
	}
	got := countImport(t, dbURL)
	if got.users != people {
		t.Fatalf("%d users after the rerun, want %d", got.users, people)
	}
	if want := (importCounts{people, people + people/5, people, people}); got != want {
		t.Errorf("after the rerun: %+v, want %+v", got, want)
	}
	// Blobs written by a killed run's last transaction have no row:
	// the sweeper removes them, and every row keeps its blob.
	srv := start(t, append(env, "SWEEP_INTERVAL=1s", "SWEEP_GRACE=1s")...)
	var after state
	deadline := time.Now().Add(30 * time.Second)
	for {
		time.Sleep(1500 * time.Millisecond)
		after = inspect(t, dbURL, storage)
		if after.orphans+after.diskLeftovers == 0 || time.Now().After(deadline) {
			break
		}
	}
	srv.stop()
	if want := people + people/5; after.rows != want || after.rowsWithoutBlob != 0 || after.orphans != 0 || after.diskLeftovers != 0 {
		t.Errorf("after the sweep: %d file rows (want %d), %d without blob, %d blobs without row, %d leftover files",
			after.rows, want, after.rowsWithoutBlob, after.orphans, after.diskLeftovers)
	}
	again := exec.Command(binary(t), "import", path, "--rate", "0", "--progress", "none")
	again.Env = append(os.Environ(), env...)
	errOut.Reset()
	again.Stderr = &errOut
	began = time.Now()
	if err := again.Run(); err != nil {
		t.Fatalf("third run: %v", err)
	}
	s := lastSummary(t, errOut.String())
	if s["unchanged"] != people || s["created"] != 0 || s["merged"] != 0 {
		t.Fatalf("a run after the end changed something: %v", s)
	}
	t.Logf("a run after the end (%s): %v", time.Since(began).Round(time.Millisecond), s)
}

// importKillPeople is how many people the killed import carries: enough
// that the kills land mid-run.
// IMPORT_KILL_PEOPLE overrides it for a folder: CI runs 50,000 once, on
// PostgreSQL with a folder, without the race detector; S3 runs 5,000.
func importKillPeople(t *testing.T, storage string) int {
	if v := os.Getenv("IMPORT_KILL_PEOPLE"); v != "" && strings.HasPrefix(storage, "file://") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 {
			t.Fatalf("IMPORT_KILL_PEOPLE=%q: want a number of people, at least 10", v)
		}
		return n
	}
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
	avatar := base64.StdEncoding.EncodeToString(noisePNG(t, 8))
	for i := range n {
		rec := map[string]any{"type": "user", "email": fmt.Sprintf("p%06d@example.org", i), "email_verified": true,
			"given_name": fmt.Sprintf("Person %d", i), "updated_at": "2024-01-01T00:00:00Z",
			"legacy_ids":  map[string]any{"maarch": 7000000 + i},
			"files":       []any{map[string]any{"name": "note.txt", "base64": "bm90ZQ=="}},
			"credentials": []any{map[string]any{"kind": "api_key", "token": fmt.Sprintf("legacy-key-%012d", i), "scopes": []string{"identity"}}},
		}
		if i%5 == 0 { // one person in five has an avatar
			rec["avatar"] = map[string]any{"base64": avatar}
		}
		_ = enc.Encode(rec)
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

// importCounts are the rows an import run left, read straight from the
// store.
type importCounts struct{ users, files, credentials, maarchIDs int }

func countImport(t *testing.T, dbURL string) importCounts {
	t.Helper()
	ctx := context.Background()
	s, err := db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var c importCounts
	for _, q := range []struct {
		n     *int
		count func(context.Context) (int, error)
	}{
		{&c.users, s.Client.User.Query().Count},
		{&c.files, s.Client.File.Query().Count},
		{&c.credentials, s.Client.Credential.Query().Count},
		{&c.maarchIDs, s.Client.LegacyID.Query().Where(legacyid.DialectEQ(legacyid.DialectMaarch),
			legacyid.ValueHasPrefix("7"), legacyid.UserIDNotNil()).Count},
	} {
		if *q.n, err = q.count(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return c
}
