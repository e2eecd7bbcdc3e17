package auditlog

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"userbridge/ent"
	"userbridge/internal/store/db/dbtest"
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

// TestFanoutBurst: a burst of committed events, more than one NOTIFY's
// payload holds and faster than the sender's interval, reaches a listener
// whole and in order; a listener that keeps some kinds receives those
// only. On PostgreSQL through NOTIFY and LISTEN, on SQLite in process.
func TestFanoutBurst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		dialect := "sqlite3"
		if strings.HasPrefix(url, "postgres") {
			dialect = "postgres"
		}
		f := NewFanout(dialect, nil)
		const n = 3000
		all := f.Subscribe(n)
		banned := f.SubscribeKinds(n, func(kind string) bool { return kind == string(UserBanned) })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); f.Listen(ctx, url, nil) }()
		t.Cleanup(func() { cancel(); <-done })
		select {
		case <-f.Listening():
		case <-time.After(10 * time.Second):
			t.Fatal("not listening")
		}
		var want, wantBanned []Note
		for i := 1; i <= n; i++ {
			kind := string(UserChanged)
			if i%100 == 0 {
				kind = string(UserBanned)
			}
			note := Note{ID: i, Kind: kind}
			want = append(want, note)
			if kind == string(UserBanned) {
				wantBanned = append(wantBanned, note)
			}
			f.Committed(&ent.AuditEvent{ID: i, Kind: kind})
		}
		receive := func(l *Listener, count int) []Note {
			var got []Note
			deadline := time.After(10 * time.Second)
			for len(got) < count {
				select {
				case note := <-l.C:
					got = append(got, note)
				case <-deadline:
					t.Fatalf("received %d of %d notes", len(got), count)
				}
			}
			return got
		}
		if got := receive(all, n); !slices.Equal(got, want) {
			t.Fatalf("notes out of order or altered: first %v", got[:5])
		}
		if got := receive(banned, len(wantBanned)); !slices.Equal(got, wantBanned) {
			t.Fatalf("kept %v, want %v", got, wantBanned)
		}
		select {
		case note := <-banned.C:
			t.Fatalf("a note the listener does not keep: %v", note)
		case <-time.After(50 * time.Millisecond):
		}
	})
}
