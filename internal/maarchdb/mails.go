package maarchdb

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"userbridge/internal/rules/ident"
)

// mailKey is the SHA-256 prefix of a mail's comparison key: a fixed size per
// user whatever the addresses' lengths, with no practical chance that two
// addresses collide.
type mailKey [16]byte

func keyOf(mail string) mailKey {
	sum := sha256.Sum256([]byte(ident.Key(mail)))
	return mailKey(sum[:16])
}

// countMails counts, over the users that are not deleted, how many hold each
// address, compared the way this store compares addresses (ident.Key), which
// SQL cannot do. It streams (the map grows by one small entry per address).
// Deleted users are left out: Maarch keeps a deleted user's address, and a
// person who came back under the same address must not be refused for it.
func countMails(ctx context.Context, tx pgx.Tx) (map[mailKey]int, error) {
	rows, err := tx.Query(ctx, `SELECT COALESCE(mail, '') FROM users WHERE status <> 'DEL'`)
	if err != nil {
		return nil, fmt.Errorf("reading Maarch mails: %w", err)
	}
	defer rows.Close()
	counts := map[mailKey]int{}
	var mail string
	for rows.Next() {
		if err := rows.Scan(&mail); err != nil {
			return nil, fmt.Errorf("reading Maarch mails: %w", err)
		}
		if m := strings.TrimSpace(mail); m != "" {
			counts[keyOf(m)]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading Maarch mails: %w", err)
	}
	return counts, nil
}

// reject says why a user that is not deleted cannot be imported, or nil.
func (r *Reader) reject(u *row) *Rejection {
	if u.status == "DEL" {
		return nil
	}
	rej := &Rejection{MaarchID: u.id, Login: u.login, Email: u.mail}
	if u.mail == "" {
		rej.Reason, rej.Detail = ReasonEmptyMail, "the Maarch user has no mail address"
		return rej
	}
	if n := r.shared[keyOf(u.mail)]; n > 1 {
		rej.Reason = ReasonSharedMail
		rej.Detail = fmt.Sprintf("the mail address is held by %d Maarch users that are not deleted", n)
		return rej
	}
	return nil
}
