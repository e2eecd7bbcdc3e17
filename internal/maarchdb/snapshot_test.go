package maarchdb

import (
	"context"
	"testing"
)

// Everything Next returns comes from the snapshot taken by Open: a user,
// a signature and a group membership committed afterwards, while the
// reader is open, are not seen, nor is an update of a read row's mail.
// (The cursor is declared at the first Next: under READ COMMITTED it would
// see all four.)
func TestReaderSeesTheSnapshotOfOpen(t *testing.T) {
	m := newMaarchDB(t)
	docs := fillMaarch(t, m)
	writeFile(t, docs, "0000/new.png", "late")

	r, err := Open(context.Background(), m.url, docs)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()

	m.exec(t, `INSERT INTO users (id, user_id, mail) VALUES (100, 'late', 'late@example.org')`)
	m.exec(t, `INSERT INTO user_signatures (user_serial_id, signature_path, signature_file_name) VALUES (1, '0000#', 'new.png')`)
	m.exec(t, `INSERT INTO usergroup_content (user_id, group_id) VALUES (2, 1)`)
	m.exec(t, `UPDATE users SET mail = 'erin@example.org' WHERE id = 5`)

	people, rejected, _ := readAll(t, r)
	if _, ok := people[100]; ok {
		t.Error("a user inserted after Open was read")
	}
	if got := people[1].Signatures; len(got) != 1 {
		t.Errorf("alice's signatures = %+v, want only the one that existed at Open", got)
	}
	if people[2].ManageUsers {
		t.Error("a group membership added after Open gave manage_users")
	}
	if rej := rejected[5]; rej == nil || rej.Reason != ReasonSharedMail {
		t.Errorf("erin = %+v, want the shared_mail rejection of the snapshot", rej)
	}
}
