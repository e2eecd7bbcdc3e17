package maarchdb

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

// fillMaarch writes the users, groups and signatures the reader tests
// share, and the docservers directory their files live in (with a file just
// outside it, which no signature may reach). It returns that directory.
func fillMaarch(t *testing.T, m *maarchDB) string {
	t.Helper()
	base := t.TempDir()
	docs := filepath.Join(base, "templates")
	writeFile(t, docs, "0000/sig1.PNG", "alice's signature")
	writeFile(t, docs, "0001/bob.jpg", "bob's signature")
	writeFile(t, base, "secret.png", "outside, by ..")
	writeFile(t, base, "outside/secret.png", "outside, by a link")
	if err := os.Symlink(filepath.Join(base, "outside", "secret.png"), filepath.Join(docs, "0000", "link.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(docs, "0000", "dir.png"), 0o755); err != nil {
		t.Fatal(err)
	}

	m.exec(t, `INSERT INTO users (id, user_id, password, firstname, lastname, mail, status, mode, password_modification_date) VALUES
		(1, 'alice', '$2y$10$abcdefghijklmnopqrstuu5Kq1hZ0eXb3Jx0kQbq8m0n3JzQe6W2', 'Alice', 'Martin', 'alice@example.org', 'OK', 'standard', '2024-03-01 10:00:00'),
		(2, 'bob', NULL, 'Bob', NULL, '  Bob@Example.org ', 'SPD', 'rest', NULL),
		(3, 'carol', 'h', 'Carol', 'C', '', 'OK', 'standard', NULL),
		(4, 'dave', 'h', 'Dave', 'D', NULL, 'OK', 'standard', NULL),
		(5, 'erin', 'h', 'Erin', 'E', 'shared@example.org', 'OK', 'standard', NULL),
		(6, 'frank', 'h', 'Frank', 'F', 'SHARED@EXAMPLE.ORG', 'SPD', 'standard', NULL),
		(7, 'gone', 'h', 'Gone', 'G', 'alice@example.org', 'DEL', 'standard', NULL),
		(8, 'superadmin', 'h', 'Super', 'Admin', 'root@example.org', 'OK', 'root_invisible', NULL),
		(9, 'zed', 'h', 'Zed', 'Z', NULL, 'DEL', 'standard', NULL),
		(10, 'kate1', 'h', 'Kate', 'K', 'kate@example.org', 'OK', 'standard', NULL)`)
	// U+212A KELVIN SIGN: the same address as kate@example.org to this store.
	m.exec(t, `INSERT INTO users (id, user_id, password, firstname, lastname, mail, status, mode)
		VALUES (11, 'kate2', 'h', 'Kate', 'K', $1, 'OK', 'standard')`, "\u212Aate@example.org")
	m.exec(t, `INSERT INTO usergroups (id, group_id, group_desc) VALUES (1, 'ADMINISTRATEUR', 'Admins'), (2, 'AGENT', 'Agents')`)
	m.exec(t, `INSERT INTO usergroups_services (group_id, service_id) VALUES
		('ADMINISTRATEUR', 'admin_users'), ('ADMINISTRATEUR', 'admin_groups'), ('AGENT', 'admin_groups'), ('AGENT', 'adv_search_mlb')`)
	m.exec(t, `INSERT INTO usergroup_content (user_id, group_id) VALUES (1, 1), (1, 2), (2, 2), (5, 1)`)
	m.exec(t, `INSERT INTO user_signatures (id, user_serial_id, signature_label, signature_path, signature_file_name) VALUES
		(1, 1, 'ok', '0000#', 'sig1.PNG'),
		(2, 1, 'dot-dot', '..#', 'secret.png'),
		(3, 1, 'missing', '0000#', 'gone.png'),
		(4, 1, 'link out', '0000#', 'link.png'),
		(5, 1, 'no name', NULL, NULL),
		(6, 1, 'a directory', '0000#', 'dir.png'),
		(7, 2, 'ok', '0001#', 'bob.jpg'),
		(8, 1, 'absolute', '#etc#', 'passwd')`)
	m.exec(t, `SELECT setval('user_signatures_id_seq', 8), setval('users_id_seq', 11)`)
	return docs
}

func TestNextReturnsPeopleRejectionsAndSignatures(t *testing.T) {
	m := newMaarchDB(t)
	docs := fillMaarch(t, m)
	var aliceChanged time.Time
	if err := m.Conn().QueryRow(context.Background(), `SELECT '2024-03-01 10:00:00'::timestamp::timestamptz`).Scan(&aliceChanged); err != nil {
		t.Fatal(err)
	}

	r, err := Open(context.Background(), m.url, docs)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	if r.FilesDir() != docs {
		t.Errorf("FilesDir = %q, want %q", r.FilesDir(), docs)
	}
	people, rejected, order := readAll(t, r)

	if want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; !slices.Equal(order, want) {
		t.Errorf("order = %v, want %v", order, want)
	}
	wantAlice := &Person{
		ID: 1, Login: "alice", PasswordHash: "$2y$10$abcdefghijklmnopqrstuu5Kq1hZ0eXb3Jx0kQbq8m0n3JzQe6W2",
		FirstName: "Alice", LastName: "Martin", Mail: "alice@example.org",
		Status: "OK", Mode: "standard", ManageUsers: true, PasswordModifiedAt: &aliceChanged,
		Signatures: []Signature{{Path: "0000/sig1.PNG", Format: "png"}},
		SkippedSignatures: []Skipped{
			{ID: 2, Reason: SkipOutside, Detail: `the path "../secret.png" leaves the docservers directory`},
			{ID: 3, Reason: SkipMissing, Detail: `no file at "0000/gone.png"`},
			{ID: 4, Reason: SkipOutside, Detail: `the path "0000/link.png" leads outside the docservers directory`},
			{ID: 5, Reason: SkipMissing, Detail: "the signature has no file name"},
			{ID: 6, Reason: SkipNotAFile, Detail: `"0000/dir.png" is not a regular file`},
			{ID: 8, Reason: SkipOutside, Detail: `the path "/etc/passwd" leaves the docservers directory`},
		},
	}
	if got := people[1]; !reflect.DeepEqual(got, wantAlice) {
		t.Errorf("alice:\n got %+v\nwant %+v", got, wantAlice)
	}
	wantBob := &Person{
		ID: 2, Login: "bob", FirstName: "Bob", Mail: "Bob@Example.org", Status: "SPD", Mode: "rest",
		Signatures: []Signature{{Path: "0001/bob.jpg", Format: "jpg"}},
	}
	if got := people[2]; !reflect.DeepEqual(got, wantBob) {
		t.Errorf("bob (no admin_users group, null password and last name):\n got %+v\nwant %+v", got, wantBob)
	}
	if p := people[7]; p == nil || p.Status != "DEL" || p.Mail != "alice@example.org" {
		t.Errorf("deleted user sharing alice's mail = %+v, want a DEL person (its ids are reserved)", p)
	}
	if p := people[9]; p == nil || p.Status != "DEL" {
		t.Errorf("deleted user without mail = %+v, want a DEL person", p)
	}
	if p := people[8]; p == nil || p.Mode != "root_invisible" || p.ManageUsers {
		t.Errorf("superadmin = %+v, want mode root_invisible, raw", p)
	}

	shared := "the mail address is held by 2 Maarch users that are not deleted"
	wantRejected := map[int64]*Rejection{
		3:  {MaarchID: 3, Login: "carol", Email: "", Reason: ReasonEmptyMail, Detail: "the Maarch user has no mail address"},
		4:  {MaarchID: 4, Login: "dave", Email: "", Reason: ReasonEmptyMail, Detail: "the Maarch user has no mail address"},
		5:  {MaarchID: 5, Login: "erin", Email: "shared@example.org", Reason: ReasonSharedMail, Detail: shared},
		6:  {MaarchID: 6, Login: "frank", Email: "SHARED@EXAMPLE.ORG", Reason: ReasonSharedMail, Detail: shared},
		10: {MaarchID: 10, Login: "kate1", Email: "kate@example.org", Reason: ReasonSharedMail, Detail: shared},
		11: {MaarchID: 11, Login: "kate2", Email: "\u212Aate@example.org", Reason: ReasonSharedMail, Detail: shared},
	}
	if !reflect.DeepEqual(rejected, wantRejected) {
		for id, rej := range rejected {
			t.Logf("rejected %d: %+v", id, rej)
		}
		t.Errorf("rejections differ from %d expected", len(wantRejected))
	}

	f, err := r.OpenSignature(people[1].Signatures[0])
	if err != nil {
		t.Fatalf("OpenSignature: %v", err)
	}
	f.Close()
	if _, err := r.OpenSignature(Signature{Path: "0000/link.png"}); err == nil {
		t.Error("OpenSignature followed a link out of the docservers directory")
	}
	if _, _, err := r.Next(); err == nil || err.Error() != "EOF" {
		t.Errorf("Next after the end = %v, want io.EOF again", err)
	}
}

// Users come through the cursor in pages; more than one page must arrive
// whole and in order.
func TestNextStreamsPages(t *testing.T) {
	m := newMaarchDB(t)
	const n = 2*pageSize + 7
	m.exec(t, `INSERT INTO users (id, user_id, mail) SELECT i, 'u' || i, 'u' || i || '@example.org' FROM generate_series(1, $1) i`, n)
	m.exec(t, `INSERT INTO user_signatures (user_serial_id, signature_path, signature_file_name) VALUES ($1, '0000#', 'last.png')`, n)
	docs := t.TempDir()
	writeFile(t, docs, "0000/last.png", "x")

	r, err := Open(context.Background(), m.url, docs)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	people, rejected, order := readAll(t, r)
	if len(people) != n || len(rejected) != 0 {
		t.Fatalf("read %d people and %d rejections, want %d and 0", len(people), len(rejected), n)
	}
	if !slices.IsSorted(order) {
		t.Error("users did not come in id order")
	}
	if got := people[n].Signatures; len(got) != 1 || got[0].Path != "0000/last.png" {
		t.Errorf("last page's signatures = %+v", got)
	}
}

// Without a docservers directory, the reader looks where Maarch does: the
// TEMPLATES docserver's path_template.
func TestOpenFindsTheTemplatesDocserver(t *testing.T) {
	m := newMaarchDB(t)
	docs := t.TempDir()
	m.exec(t, `INSERT INTO docservers (docserver_id, docserver_type_id, path_template, creation_date, coll_id) VALUES
		('FASTHD_MAN', 'DOC', '/nowhere/', now(), 'letterbox_coll'), ('TEMPLATES', 'TEMPLATES', $1, now(), 'templates')`, docs)
	r, err := Open(context.Background(), m.url, "")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	if r.FilesDir() != docs {
		t.Errorf("FilesDir = %q, want the TEMPLATES path_template %q", r.FilesDir(), docs)
	}

	m.exec(t, `DELETE FROM docservers`)
	if r, err := Open(context.Background(), m.url, ""); err == nil {
		r.Close()
		t.Error("Open without a docservers directory or a TEMPLATES docserver succeeded")
	}
}
