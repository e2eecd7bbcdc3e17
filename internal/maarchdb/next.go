package maarchdb

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// declareUsers opens the cursor over users, in id order. manage_users is
// computed here: usergroup_content and usergroups refer to users and
// groups by their integer ids, usergroups_services to groups by their
// group_id string.
const declareUsers = `DECLARE maarch_users NO SCROLL CURSOR FOR
SELECT u.id::bigint, u.user_id, COALESCE(u.password, ''),
	COALESCE(u.firstname, ''), COALESCE(u.lastname, ''), COALESCE(u.mail, ''),
	u.status, u.mode::text,
	u.password_modification_date::timestamptz,
	EXISTS (SELECT 1 FROM usergroup_content c
		JOIN usergroups g ON g.id = c.group_id
		JOIN usergroups_services s ON s.group_id = g.group_id
		WHERE c.user_id = u.id AND s.service_id = 'admin_users')
FROM users u ORDER BY u.id`

// row is one users row as read; rows rejected for their mail never reach
// the signature query.
type row struct {
	id                           int64
	login, password, first, last string
	mail, status, mode           string
	passwordModified             *time.Time
	manageUsers                  bool
	sigs                         []Signature
	skipped                      []Skipped
}

// Next returns the next user, either as a Person or as a Rejection (exactly
// one is non-nil), or io.EOF after the last one. Any other error ends the
// reading; Close must still be called.
func (r *Reader) Next() (*Person, *Rejection, error) {
	if len(r.page) == 0 {
		if r.done {
			return nil, nil, io.EOF
		}
		if err := r.fetch(); err != nil {
			return nil, nil, err
		}
		if len(r.page) == 0 {
			r.done = true
			return nil, nil, io.EOF
		}
	}
	u := r.page[0]
	r.page[0] = nil
	r.page = r.page[1:]
	if rej := r.reject(u); rej != nil {
		return nil, rej, nil
	}
	return &Person{
		ID: u.id, Login: u.login, PasswordHash: u.password,
		FirstName: u.first, LastName: u.last, Mail: u.mail,
		Status: u.status, Mode: u.mode, ManageUsers: u.manageUsers,
		PasswordModifiedAt: u.passwordModified,
		Signatures:         u.sigs, SkippedSignatures: u.skipped,
	}, nil, nil
}

// fetch reads the next page of users, then their signatures in one query.
func (r *Reader) fetch() error {
	rows, err := r.tx.Query(r.ctx, fmt.Sprintf("FETCH %d FROM maarch_users", pageSize))
	if err != nil {
		return fmt.Errorf("reading Maarch users: %w", err)
	}
	page := make([]*row, 0, pageSize)
	for rows.Next() {
		u := &row{}
		if err := rows.Scan(&u.id, &u.login, &u.password, &u.first, &u.last, &u.mail,
			&u.status, &u.mode, &u.passwordModified, &u.manageUsers); err != nil {
			rows.Close()
			return fmt.Errorf("reading Maarch users: %w", err)
		}
		u.mail = strings.TrimSpace(u.mail)
		page = append(page, u)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading Maarch users: %w", err)
	}
	byID := make(map[int64]*row, len(page))
	for _, u := range page {
		if r.reject(u) == nil {
			byID[u.id] = u
		}
	}
	if err := r.signatures(byID); err != nil {
		return err
	}
	r.page = page
	return nil
}

// signatures attaches to each user of byID its user_signatures rows, each
// resolved on the docserver or recorded as skipped.
func (r *Reader) signatures(byID map[int64]*row) error {
	if len(byID) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	rows, err := r.tx.Query(r.ctx, `SELECT id::bigint, user_serial_id::bigint,
		COALESCE(signature_path, ''), COALESCE(signature_file_name, '')
		FROM user_signatures WHERE user_serial_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return fmt.Errorf("reading Maarch signatures: %w", err)
	}
	var (
		id, owner int64
		dir, name string
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &owner, &dir, &name}, func() error {
		u := byID[owner]
		sig, skip := r.resolve(id, dir, name)
		if skip != nil {
			u.skipped = append(u.skipped, *skip)
		} else {
			u.sigs = append(u.sigs, sig)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading Maarch signatures: %w", err)
	}
	return nil
}
