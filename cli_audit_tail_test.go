package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"userbridge/ent"
	"userbridge/internal/app/apptest"
	"userbridge/internal/auditlog"
	"userbridge/internal/store/db/dbtest"
)

// printedIDs returns the ids of the events a command printed, one JSON
// object a line.
func printedIDs(t *testing.T, out *syncBuffer) []int {
	t.Helper()
	var ids []int
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		var ev struct{ ID int }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not a JSON line: %q", sc.Text())
		}
		ids = append(ids, ev.ID)
	}
	return ids
}

// TestAuditTailFollow: `audit tail -f` prints the last events, then each
// new one once, and on PostgreSQL also an event whose transaction
// commits after an event with a larger id was printed (cli_audit_tail.go);
// the filters hold for the events it follows.
func TestAuditTailFollow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		env := apptest.New(t, dbURL)
		ctx := context.Background()
		changed := func(t *testing.T, c *ent.Client, id string) {
			t.Helper()
			if err := auditlog.Record(ctx, c, auditlog.Event{Kind: auditlog.UserChanged,
				Target: auditlog.Target{Type: auditlog.TargetUser, ID: id}}); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range []string{"before1", "before2", "before3"} {
			changed(t, env.Store.Client, id)
		}
		tailCtx, stop := context.WithCancel(ctx)
		var out syncBuffer
		done := make(chan cliResult)
		go func() {
			var stderr bytes.Buffer
			root := newRoot(tailCtx, &out, &stderr)
			root.SetArgs([]string{"audit", "tail", "-f", "-n", "2", "--interval", "20ms", "-o", "json",
				"--kind", "user.changed", "--database", dbURL})
			_, err := root.ExecuteC()
			done <- cliResult{Stderr: stderr.String(), Err: err}
		}()
		defer func() {
			stop()
			if r := <-done; r.Err != nil {
				t.Errorf("audit tail -f: %v %s", r.Err, r.Stderr)
			}
		}()
		targets := func() []string {
			var ts []string
			for _, id := range printedIDs(t, &out) {
				ts = append(ts, env.Store.Client.AuditEvent.GetX(ctx, id).TargetID)
			}
			return ts
		}
		waitFor := func(t *testing.T, want ...string) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for {
				got := targets()
				if strings.Join(got, " ") == strings.Join(want, " ") {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("printed %v, want %v", got, want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		waitFor(t, "before2", "before3")

		t.Run("new events once each, other kinds left out", func(t *testing.T) {
			changed(t, env.Store.Client, "new1")
			if err := auditlog.Record(ctx, env.Store.Client, auditlog.Event{Kind: auditlog.UserDeleted,
				Target: auditlog.Target{Type: auditlog.TargetUser, ID: "other-kind"}}); err != nil {
				t.Fatal(err)
			}
			changed(t, env.Store.Client, "new2")
			waitFor(t, "before2", "before3", "new1", "new2")
		})

		t.Run("an event committed after a larger id was printed", func(t *testing.T) {
			if env.Store.Dialect != dialect.Postgres {
				t.Skip("SQLite has one writer at a time: ids are visible in their order")
			}
			tx, err := env.Store.Client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			changed(t, tx.Client(), "slow") // its id drawn now
			changed(t, env.Store.Client, "quick")
			waitFor(t, "before2", "before3", "new1", "new2", "quick")
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "before2", "before3", "new1", "new2", "quick", "slow")
		})
	})
}

// TestTailerFromAnEmptyTrail: following a trail that has no event yet
// waits for no id below the first one written, which starts at the
// events' id range far above 0: before, the gap below it filled the ids
// waited for to their bound, each look then asked for all of them, and a
// real late commit in the next minute found no room.
func TestTailerFromAnEmptyTrail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		env := apptest.New(t, dbURL)
		ctx := context.Background()
		c := env.Store.Client
		if n := c.AuditEvent.Query().CountX(ctx); n != 0 {
			t.Fatalf("the store starts with %d events", n)
		}
		tl := newTailer(c, auditlog.Filter{}, 0)
		for _, id := range []string{"first", "second"} {
			if err := auditlog.Record(ctx, c, auditlog.Event{Kind: auditlog.UserChanged,
				Target: auditlog.Target{Type: auditlog.TargetUser, ID: id}}); err != nil {
				t.Fatal(err)
			}
		}
		evs, more, err := tl.next(ctx, time.Now())
		if err != nil || more || len(evs) != 2 {
			t.Fatalf("%d events, more %v, err %v; want the two written", len(evs), more, err)
		}
		if len(tl.pending) != 0 {
			t.Fatalf("waiting for %d ids that were never written", len(tl.pending))
		}
	})
}
