package auditlog

import (
	"slices"
	"strings"
	"testing"
)

// TestNotesBatch: a batch's payload gives back every note in order, and
// a line that is not a note (someone else NOTIFYing on the channel) is
// skipped, not taken for one.
func TestNotesBatch(t *testing.T) {
	want := []Note{{ID: 1, Kind: "user.changed"}, {ID: 22, Kind: "credential.revoked"}, {ID: 333, Kind: "signin.failed"}}
	var b []byte
	for _, n := range want {
		b = appendNote(b, n)
	}
	if got := decodeNotes(string(b)); !slices.Equal(got, want) {
		t.Fatalf("decoded %v, want %v", got, want)
	}
	hostile := "hello\n-4 user.changed\n\n7 user.banned\nx y\n" + strings.Repeat("9", 40) + " user.deleted"
	if got := decodeNotes(hostile); !slices.Equal(got, []Note{{ID: 7, Kind: "user.banned"}}) {
		t.Fatalf("decoded %v from %q", got, hostile)
	}
}
