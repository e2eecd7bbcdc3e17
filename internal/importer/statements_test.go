package importer_test

import (
	"context"
	"fmt"
	"testing"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/ent/schema"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/importer"
	"userbridge/internal/rules/legacyids"
)

// TestImportStatementsPerBatch: the writer's statements grow with the
// batches, not with the people in them. One batch of 1,000 people costs
// what one batch of 100 does, a few statements more (public ids drawn
// again); the people are complete (legacy id, password, file, token, one
// in five with an avatar). Run again, the same files cost as little: the
// people already there are compared, not written, one batch at a time.
func TestImportStatementsPerBatch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		avatar := pngB64(t, 4, 4)
		people := func(prefix string, n int) string {
			lines := make([]any, 0, n)
			for i := range n {
				rec := map[string]any{"type": "user", "email": fmt.Sprintf("%s%05d@example.org", prefix, i), "email_verified": true,
					"given_name": "Person", "updated_at": "2024-01-01T00:00:00Z",
					"password_hash": map[string]any{"algorithm": "bcrypt", "value": "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"},
					"legacy_ids":    map[string]any{"maarch": len(prefix)*100000 + i + 1},
					"files":         []any{map[string]any{"name": "note.txt", "base64": "bm90ZQ=="}},
					"credentials":   []any{map[string]any{"kind": "api_key", "token": fmt.Sprintf("%s-legacy-key-%010d", prefix, i), "scopes": []string{"identity"}}},
				}
				if i%5 == 0 {
					rec["avatar"] = map[string]any{"base64": avatar}
				}
				lines = append(lines, rec)
			}
			return file(t, lines...)
		}
		cost := func(prefix string, n int) uint64 {
			before := e.Store.Statements()
			sum, rep := e.run(t, people(prefix, n), importer.Options{BatchSize: 1000})
			if sum.Created != n || sum.Rejected != 0 {
				t.Fatalf("%d people: %+v %v", n, sum, rep)
			}
			return e.Store.Statements() - before
		}
		cost("w", 1) // the store serves: neither run below is a move
		small, large := cost("ss", 100), cost("lll", 1000)
		t.Logf("one batch of 100 people: %d statements; of 1,000: %d", small, large)
		if extra := large - small; extra > 10 {
			t.Errorf("900 more people in one batch cost %d more statements, want at most 10", extra)
		}
		if small > 30 {
			t.Errorf("one batch of 100 people cost %d statements, want at most 30", small)
		}
		again := func(prefix string, n int) uint64 {
			before := e.Store.Statements()
			sum, rep := e.run(t, people(prefix, n), importer.Options{BatchSize: 1000})
			if sum.Unchanged != n || sum.Created+sum.Merged+sum.Rejected != 0 {
				t.Fatalf("%d people again: %+v %v", n, sum, rep)
			}
			return e.Store.Statements() - before
		}
		small, large = again("ss", 100), again("lll", 1000)
		t.Logf("again, one batch of 100 people: %d statements; of 1,000: %d", small, large)
		if extra := large - small; extra > 10 {
			t.Errorf("again, 900 more people in one batch cost %d more statements, want at most 10", extra)
		}
		if small > 30 {
			t.Errorf("again, one batch of 100 people cost %d statements, want at most 30", small)
		}
	})
}

// TestImportPublicIDsCheckedInBulk: the bulk path checks the public ids
// it gives against stored legacy ids itself (the schema hook skips its
// own read for exactly those): a public id a file reserved in an earlier
// batch is not given to a person of a later one, kept or drawn.
func TestImportPublicIDsCheckedInBulk(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		path := file(t,
			map[string]any{"type": "user", "email": "gone@example.org", "status": "DEL",
				"legacy_ids": map[string]any{"edufocus": "Zz1Zz1Zz", "usersv1": "usr_Yy2Yy2Yy"}},
			map[string]any{"type": "user", "email": "a@example.org", "email_verified": true, "id": 5, "public_id": "Zz1Zz1Zz"},
			map[string]any{"type": "user", "email": "b@example.org", "email_verified": true, "id": 6, "public_id": "Yy2Yy2Yy"},
			map[string]any{"type": "user", "email": "c@example.org", "email_verified": true, "id": 7, "public_id": "Xx3Xx3Xx"},
		)
		sum, rep := e.run(t, path, importer.Options{BatchSize: 1})
		if sum.Created != 3 || sum.Rejected != 0 {
			t.Fatalf("%+v %v", sum, rep)
		}
		for email, kept := range map[string]bool{"a@example.org": false, "b@example.org": false, "c@example.org": true} {
			u := e.Store.Client.User.Query().Where(user.EmailKey(email)).OnlyX(context.Background())
			if held := u.PublicID == "Zz1Zz1Zz" || u.PublicID == "Yy2Yy2Yy"; held {
				t.Errorf("%s received the reserved public id %s", email, u.PublicID)
			}
			if (u.PublicID == "Xx3Xx3Xx") != kept {
				t.Errorf("%s: public id %s", email, u.PublicID)
			}
		}
	})
}

// TestCheckedLegacyIDsSkipsOnlyWhatWasChecked: outside the bulk path, and
// for any user other than those the caller checked, the User schema's hook
// still refuses a public id or primary key stored as a legacy id.
func TestCheckedLegacyIDsSkipsOnlyWhatWasChecked(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := e.Store.Client
		for _, l := range []struct {
			d legacyid.Dialect
			v string
		}{{legacyid.DialectEdufocus, "Ww4Ww4Ww"}, {legacyid.DialectMaarch, "4242"}} {
			if err := legacyids.Reserve(ctx, c, l.d, l.v); err != nil {
				t.Fatal(err)
			}
		}
		create := func(ctx context.Context, name, pid string, id int) (*ent.User, error) {
			cr := c.User.Create().SetEmail(name + "@example.org").SetLogin(name).SetUsername(name).SetPublicID(pid)
			if id != 0 {
				cr.SetID(id)
			}
			return cr.Save(ctx)
		}
		// No mark: the reserved public id is drawn again.
		u, err := create(ctx, "plain", "Ww4Ww4Ww", 0)
		if err != nil || u.PublicID == "Ww4Ww4Ww" {
			t.Fatalf("unmarked creation: %v, public id %v", err, u)
		}
		// Marked for other values: still checked.
		other := schema.CheckedLegacyIDs(ctx, map[string]int{"Vv5Vv5Vv": 0, "Ww4Ww4Ww": 77})
		if u, err := create(other, "other", "Ww4Ww4Ww", 0); err != nil || u.PublicID == "Ww4Ww4Ww" {
			t.Fatalf("creation marked for another id: %v, public id %v", err, u)
		}
		if _, err := create(other, "integer", "Vv5Vv5Vv", 4242); apperr.As(err).Reason != legacyids.ReasonTaken {
			t.Fatalf("a primary key stored as a Maarch id, marked for another: %v", err)
		}
	})
}
