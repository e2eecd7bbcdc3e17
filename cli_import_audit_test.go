package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/internal/app/apptest"
	"userbridge/internal/auditlog"
	"userbridge/internal/store/db/dbtest"
)

// TestImportRecordsOneEventPerRun: each `userbridge import` run is one
// import.ran event by the operator, with its summary counts, and none of
// the hooks' user.created for the people it brings in; a run that cannot
// start records nothing; no imported password or hash reaches the trail.
func TestImportRecordsOneEventPerRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		dir := t.TempDir()
		storage := "file://" + filepath.Join(dir, "files")
		with := func(args ...string) []string { return append(args, "--database", dbURL, "--storage", storage) }
		const hash = "$2y$10$abcdefghijklmnopqrstuuJ7x0wIjR8o2qGzvKZ6m3yXbqkqS0bW6"
		good := filepath.Join(dir, "good.jsonl")
		writeLines(t, good,
			`{"type":"user","email":"ada@example.org","email_verified":true,"password_hash":"`+hash+`"}`,
			`{"type":"user","email":"bob@example.org","email_verified":true}`,
			`{"type":"user","email":"nope"}`)
		if r := cli(t, "", with("import", good, "--progress", "none")...); r.Code != 1 {
			t.Fatalf("first run: exit %d %s", r.Code, r.Stderr)
		}
		if r := cli(t, "", with("import", filepath.Join(dir, "missing.jsonl"), "--progress", "none")...); r.Code != 2 {
			t.Fatalf("missing file: exit %d %s", r.Code, r.Stderr)
		}
		if r := cli(t, "", with("import", good, "--progress", "none", "--dry-run")...); r.Code != 1 {
			t.Fatalf("dry run: exit %d %s", r.Code, r.Stderr)
		}
		e := apptest.New(t, dbURL)
		evs, err := e.Store.Client.AuditEvent.Query().Order(ent.Asc(auditevent.FieldID)).All(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		all, _ := json.Marshal(evs)
		if strings.Contains(string(all), hash) || strings.Contains(string(all), "ada@example.org") {
			t.Fatalf("an imported value in the trail: %s", all)
		}
		var runs []*ent.AuditEvent
		for _, ev := range evs {
			if ev.Kind == string(auditlog.ImportRan) {
				runs = append(runs, ev)
			} else {
				t.Errorf("an import recorded %s: %+v", ev.Kind, ev)
			}
		}
		if len(runs) != 2 {
			t.Fatalf("%d import.ran for two runs that started: %s", len(runs), all)
		}
		for i, want := range []map[string]string{
			{"read": "3", "created": "1", "rejected": "2", "dry_run": "false"},
			{"read": "3", "unchanged": "1", "rejected": "2", "dry_run": "true"},
		} {
			ev := runs[i]
			if ev.ActorKind != auditevent.ActorKindOperator || ev.Transport != auditlog.TransportImport ||
				ev.TargetType != auditlog.TargetImport || ev.TargetID != "jsonl" || ev.Reason != "rejected_records" {
				t.Errorf("run %d: %+v", i+1, ev)
			}
			for k, v := range want {
				if ev.Details[k] != v {
					t.Errorf("run %d: details[%s] = %q, want %q (%v)", i+1, k, ev.Details[k], v, ev.Details)
				}
			}
		}
	})
}
