package importer_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"

	"userbridge/internal/importer"
)

// TestBatchEndsAtSixteenMiB: a batch ends at BatchSize records or at
// 16 MiB of contents, whichever comes first, so that the batch written
// and the one read beside it stay bounded whatever the records' sizes.
// Thirty people with two files of 900,000 bytes each (1.8 MB a person)
// go in batches of ten, not in one batch of thirty; everyone is written.
func TestBatchEndsAtSixteenMiB(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		lines := make([]any, 0, 30)
		for i := range 30 {
			var fs []any
			for range 2 {
				data := make([]byte, 900_000)
				rand.Read(data)
				fs = append(fs, map[string]any{"name": "scan.bin", "base64": base64.StdEncoding.EncodeToString(data)})
			}
			lines = append(lines, map[string]any{"type": "user", "email": fmt.Sprintf("big%02d@example.org", i),
				"email_verified": true, "files": fs})
		}
		var batches []int
		last := 0
		sum, rep := e.run(t, file(t, lines...), importer.Options{BatchSize: 100, Progress: func(p importer.Progress) {
			if p.Done {
				return
			}
			batches = append(batches, p.Read-last)
			last = p.Read
		}})
		if sum.Created != 30 || sum.Rejected != 0 {
			t.Fatalf("%+v %v", sum, rep)
		}
		t.Logf("records per batch: %v", batches)
		if len(batches) != 3 {
			t.Fatalf("records per batch %v, want three batches of ten (16 MiB each at most)", batches)
		}
		for _, n := range batches {
			if n != 10 {
				t.Errorf("records per batch %v, want 10 each", batches)
				break
			}
		}
	})
}
