package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/ent/user"
	"userbridge/internal/maarchdb/maarchtest"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/rules/passwords"
	"userbridge/internal/store/db/dbtest"
)

// import maarch reads a Maarch Courrier database (the columns its published
// structure documents) and brings its people in with their Maarch ids,
// logins, PHP bcrypt passwords, status, mode, admin_users rights and
// signature files; a deleted person's id stays reserved.
func TestImportMaarchCommand(t *testing.T) {
	m := maarchtest.New(t)
	docs := t.TempDir()
	sig := filepath.Join(docs, "0000", "alice.png")
	if err := os.MkdirAll(filepath.Dir(sig), 0o755); err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sig, img.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("maarch-password-1"), 10)
	if err != nil {
		t.Fatal(err)
	}
	php := "$2y$" + strings.TrimPrefix(string(hash), "$2a$") // PHP's password_hash
	m.Exec(t, `INSERT INTO users (id, user_id, password, firstname, lastname, mail, status, mode) VALUES
		(41, 'alice', $1, 'Alice', 'Martin', 'alice@example.org', 'OK', 'standard'),
		(42, 'bob', NULL, 'Bob', 'Robot', 'bob@example.org', 'SPD', 'rest'),
		(43, 'gone', 'x', 'Gone', 'G', 'gone@example.org', 'DEL', 'standard')`, php)
	m.Exec(t, `INSERT INTO usergroups (id, group_id) VALUES (1, 'ADMINISTRATEUR')`)
	m.Exec(t, `INSERT INTO usergroups_services (group_id, service_id) VALUES ('ADMINISTRATEUR', 'admin_users')`)
	m.Exec(t, `INSERT INTO usergroup_content (user_id, group_id) VALUES (41, 1)`)
	m.Exec(t, `INSERT INTO user_signatures (user_serial_id, signature_label, signature_path, signature_file_name)
		VALUES (41, 'main', '0000#', 'alice.png')`)

	dbtest.Each(t, func(t *testing.T, dbURL string) {
		storage := "file://" + filepath.Join(t.TempDir(), "files")
		args := []string{"import", "maarch", "--dsn", m.URL, "--docservers", docs, "--progress", "none",
			"--database", dbURL, "--storage", storage}
		r := cli(t, "", args...)
		if r.Code != 0 || !strings.Contains(r.Stderr, "2 created") {
			t.Fatalf("exit %d: %v\n%s", r.Code, r.Err, r.Stderr)
		}
		if again := cli(t, "", args...); again.Code != 0 || !strings.Contains(again.Stderr, "0 created, 0 merged, 2 unchanged") {
			t.Fatalf("second run: exit %d\n%s", again.Code, again.Stderr)
		}

		st := dbtest.Open(t, dbURL)
		ctx := context.Background()
		get := func(login string) *ent.User {
			u, err := st.Client.User.Query().Where(user.Login(login)).WithSignatures().Only(ctx)
			if err != nil {
				t.Fatalf("%s: %v", login, err)
			}
			return u
		}
		alice, bob := get("alice"), get("bob")
		if id, err := legacyids.In(ctx, st.Client, alice, legacyid.DialectMaarch); err != nil || id != "41" {
			t.Fatalf("alice's Maarch id: %q %v", id, err)
		}
		if !slices.Contains(alice.Privileges, "manage_users") || len(alice.Edges.Signatures) != 1 ||
			!bytes.Equal(alice.Edges.Signatures[0].Data, img.Bytes()) {
			t.Fatalf("alice: privileges %v, %d signatures", alice.Privileges, len(alice.Edges.Signatures))
		}
		if ok, upgrade := passwords.Matches(alice.PasswordHash, "maarch-password-1"); !ok || !upgrade {
			t.Fatalf("alice's Maarch password: ok %v, upgrade %v", ok, upgrade)
		}
		if bob.Status != user.StatusSuspended || bob.Mode != user.ModeRest || bob.PasswordHash != "" {
			t.Fatalf("bob: %s %s", bob.Status, bob.Mode)
		}
		if holder, held, err := legacyids.Holder(ctx, st.Client, legacyid.DialectMaarch, "43"); err != nil || !held || holder != 0 {
			t.Fatalf("the deleted person's id is not reserved: holder %d held %v %v", holder, held, err)
		}
		if n := st.Client.User.Query().CountX(ctx); n != 2 {
			t.Fatalf("%d users, want 2", n)
		}
	})
}
