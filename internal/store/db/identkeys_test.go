package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	entsql "entgo.io/ent/dialect/sql"

	"userbridge/ent"
	"userbridge/ent/setting"
	"userbridge/ent/user"
	"userbridge/internal/rules/ident"
	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// oldRow writes u's identifiers as the service stored them before ident:
// the display values as typed and the keys lowercased, bypassing the hooks.
func oldRow(t *testing.T, s *db.Store, id int, email, username string) {
	t.Helper()
	q, args := entsql.Dialect(s.Dialect).Update(user.Table).
		Set(user.FieldEmail, email).Set(user.FieldEmailKey, strings.ToLower(email)).
		Set(user.FieldUsername, username).Set(user.FieldUsernameKey, strings.ToLower(username)).
		Where(entsql.EQ(user.FieldID, id)).Query()
	if err := s.ExecRaw(context.Background(), q, args); err != nil {
		t.Fatalf("writing old row: %v", err)
	}
}

// forgetMigration removes the record that keys are current, as on a
// database last migrated before ident existed.
func forgetMigration(t *testing.T, s *db.Store) {
	t.Helper()
	q, args := entsql.Dialect(s.Dialect).Delete(setting.Table).
		Where(entsql.EQ(setting.FieldKey, db.IdentifierKeysSetting)).Query()
	if err := s.ExecRaw(context.Background(), q, args); err != nil {
		t.Fatal(err)
	}
}

func newUser(t *testing.T, s *db.Store, n int) *ent.User {
	t.Helper()
	email := fmt.Sprintf("u%d@example.com", n)
	return s.Client.User.Create().SetEmail(email).SetUsername(fmt.Sprintf("user%d", n)).SetLogin(email).
		SaveX(context.Background())
}

type keys struct{ email, emailKey, username, usernameKey string }

func keysOf(t *testing.T, s *db.Store, id int) keys {
	t.Helper()
	u := s.Client.User.GetX(context.Background(), id)
	return keys{u.Email, u.EmailKey, u.Username, u.UsernameKey}
}

// TestMigrateIdentifierKeys covers the migration of existing users' keys to
// ident.Key, grouped by outcome.
func TestMigrateIdentifierKeys(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []dbtest.Backend{dbtest.SQLite, dbtest.Postgres} {
		// fresh opens a migrated store on a database of its own.
		fresh := func(t *testing.T) *db.Store { return dbtest.Open(t, dbtest.URL(t, backend)) }
		t.Run(string(backend)+"/recomputed/old lowercase keys get ident keys, display values kept", func(t *testing.T) {
			s := fresh(t)
			a, b, c := newUser(t, s, 1), newUser(t, s, 2), newUser(t, s, 3)
			oldRow(t, s, a.ID, "\uFF2A\uFF2F\uFF25@example.com", "Joe") // fullwidth JOE
			oldRow(t, s, b.ID, "Stra\u00DFe@example.com", "strasse")
			before := s.Client.User.GetX(ctx, a.ID).UpdatedAt
			forgetMigration(t, s)
			for run := 1; run <= 2; run++ {
				if err := s.Migrate(ctx); err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
				want := map[int]keys{
					a.ID: {"\uFF2A\uFF2F\uFF25@example.com", "joe@example.com", "Joe", "joe"},
					b.ID: {"Stra\u00DFe@example.com", "strasse@example.com", "strasse", "strasse"},
					c.ID: {"u3@example.com", "u3@example.com", "user3", "user3"},
				}
				for id, w := range want {
					if got := keysOf(t, s, id); got != w {
						t.Fatalf("run %d, user %d: %+v, want %+v", run, id, got, w)
					}
				}
			}
			if after := s.Client.User.GetX(ctx, a.ID).UpdatedAt; !after.Equal(before) {
				t.Fatalf("updated_at moved from %v to %v", before, after)
			}
			v := s.Client.Setting.Query().Where(setting.Key(db.IdentifierKeysSetting)).OnlyX(ctx).Value
			if v != ident.Version {
				t.Fatalf("setting %q, want %q", v, ident.Version)
			}
		})
		t.Run(string(backend)+"/recomputed/keys two users swap pass the unique index", func(t *testing.T) {
			s := fresh(t)
			a, b := newUser(t, s, 1), newUser(t, s, 2)
			q, args := entsql.Dialect(s.Dialect).Update(user.Table).Set(user.FieldEmailKey, "swap").
				Where(entsql.EQ(user.FieldID, a.ID)).Query()
			mustExec(t, s, q, args)
			q, args = entsql.Dialect(s.Dialect).Update(user.Table).Set(user.FieldEmailKey, "u1@example.com").
				Where(entsql.EQ(user.FieldID, b.ID)).Query()
			mustExec(t, s, q, args)
			q, args = entsql.Dialect(s.Dialect).Update(user.Table).Set(user.FieldEmailKey, "u2@example.com").
				Where(entsql.EQ(user.FieldID, a.ID)).Query()
			mustExec(t, s, q, args)
			forgetMigration(t, s)
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if ka, kb := keysOf(t, s, a.ID).emailKey, keysOf(t, s, b.ID).emailKey; ka != "u1@example.com" || kb != "u2@example.com" {
				t.Fatalf("keys %q, %q", ka, kb)
			}
		})
		t.Run(string(backend)+"/skipped/keys of the current version are not read again", func(t *testing.T) {
			s := fresh(t)
			a := newUser(t, s, 1)
			oldRow(t, s, a.ID, "\uFF2A\uFF2F\uFF25@example.com", "Joe")
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if got := keysOf(t, s, a.ID).emailKey; got != "\uFF4A\uFF4F\uFF45@example.com" {
				t.Fatalf("key %q rewritten although the setting says current", got)
			}
		})
		t.Run(string(backend)+"/refused/two users whose keys now collide: named, nothing changed", func(t *testing.T) {
			s := fresh(t)
			wide, kate, other := newUser(t, s, 1), newUser(t, s, 2), newUser(t, s, 3)
			oldRow(t, s, wide.ID, "\uFF2Bate@example.com", "\uFF2Bate") // fullwidth K: lowercase kept them apart
			oldRow(t, s, kate.ID, "kate@example.com", "kate")
			oldRow(t, s, other.ID, "Stra\u00DFe@example.com", "other")
			forgetMigration(t, s)
			err := s.Migrate(ctx)
			if !errors.Is(err, db.ErrKeyCollision) {
				t.Fatalf("error %v, want ErrKeyCollision", err)
			}
			for _, want := range []string{
				fmt.Sprintf("%d (public id %s), %d (public id %s) share one username", wide.ID, wide.PublicID, kate.ID, kate.PublicID),
				fmt.Sprintf("%d (public id %s), %d (public id %s) share one e-mail", wide.ID, wide.PublicID, kate.ID, kate.PublicID),
			} {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "kate@") {
				t.Fatalf("error %q shows an e-mail address", err)
			}
			if got := keysOf(t, s, other.ID).emailKey; got != "stra\u00DFe@example.com" {
				t.Fatalf("other user's key changed to %q in a failed migration", got)
			}
			if n := s.Client.Setting.Query().Where(setting.Key(db.IdentifierKeysSetting)).CountX(ctx); n != 0 {
				t.Fatal("the failed migration recorded itself as done")
			}
		})
	}
}

func mustExec(t *testing.T, s *db.Store, q string, args []any) {
	t.Helper()
	if err := s.ExecRaw(context.Background(), q, args); err != nil {
		t.Fatal(err)
	}
}
