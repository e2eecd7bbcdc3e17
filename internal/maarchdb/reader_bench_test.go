package maarchdb

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"

	"userbridge/internal/maarchdb/maarchtest"
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkReadMaarch reads a Maarch database of benchUsers users, one in
// ten in the admin_users group and each with one signature file, from Open
// to io.EOF, and reports users read per second (one operation is the whole
// table).
func BenchmarkReadMaarch(b *testing.B) {
	const benchUsers = 50000
	url := dbtest.URL(b, dbtest.Postgres)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{
		maarchtest.Structure,
		`INSERT INTO users (id, user_id, password, firstname, lastname, mail)
			SELECT i, 'user' || i, '$2y$10$' || md5(i::text), 'First', 'Last', 'user' || i || '@example.org' FROM generate_series(1, 50000) i`,
		`INSERT INTO usergroups (id, group_id) VALUES (1, 'ADMINISTRATEUR')`,
		`INSERT INTO usergroups_services (group_id, service_id) VALUES ('ADMINISTRATEUR', 'admin_users')`,
		`INSERT INTO usergroup_content (user_id, group_id) SELECT i, 1 FROM generate_series(10, 50000, 10) i`,
		`INSERT INTO user_signatures (user_serial_id, signature_path, signature_file_name) SELECT i, '0000#', 'sig.png' FROM generate_series(1, 50000) i`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	docs := b.TempDir()
	writeFile(b, docs, "0000/sig.png", "x")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := Open(ctx, url, docs)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			p, _, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if p == nil || len(p.Signatures) != 1 {
				b.Fatalf("user %d: %+v", n, p)
			}
			n++
		}
		r.Close()
		if n != benchUsers {
			b.Fatalf("read %d users, want %d", n, benchUsers)
		}
	}
	b.ReportMetric(float64(benchUsers)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
}
