package maarchdb

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// declareUsers opens the cursor over users, in id order. manage_users is
// computed here: usergroup_content and usergroups refer to users and
// groups by their integer ids, usergroups_services to groups by their
// group_id string. Signatures are grouped per user and joined, not looked
// up per page: Maarch has no index on user_signatures.user_serial_id, so a
// lookup per page would scan the whole table once per page.
const declareUsers = `DECLARE maarch_users NO SCROLL CURSOR FOR
SELECT u.id::bigint, u.user_id, COALESCE(u.password, ''),
	COALESCE(u.firstname, ''), COALESCE(u.lastname, ''), COALESCE(u.mail, ''),
	u.status, u.mode::text,
	u.password_modification_date::timestamptz,
	EXISTS (SELECT 1 FROM usergroup_content c
		JOIN usergroups g ON g.id = c.group_id
		JOIN usergroups_services s ON s.group_id = g.group_id
		WHERE c.user_id = u.id AND s.service_id = 'admin_users'),
	COALESCE(sig.ids, '{}'), COALESCE(sig.paths, '{}'), COALESCE(sig.names, '{}')
FROM users u
LEFT JOIN (SELECT user_serial_id,
		array_agg(id::bigint ORDER BY id) AS ids,
		array_agg(COALESCE(signature_path, '') ORDER BY id) AS paths,
		array_agg(COALESCE(signature_file_name, '') ORDER BY id) AS names
	FROM user_signatures GROUP BY user_serial_id) sig ON sig.user_serial_id = u.id
ORDER BY u.id`

// row is one users row as read, with its rejection if its mail rules it
// out; rejected rows never reach the signature query.
type row struct {
	id                           int64
	login, password, first, last string
	mail, status, mode           string
	passwordModified             *time.Time
	manageUsers                  bool
	rejection                    *Rejection
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
	if u.rejection != nil {
		return nil, u.rejection, nil
	}
	return &Person{
		ID: u.id, Login: u.login, PasswordHash: u.password,
		FirstName: u.first, LastName: u.last, Mail: u.mail,
		Status: u.status, Mode: u.mode, ManageUsers: u.manageUsers,
		PasswordModifiedAt: u.passwordModified,
		Signatures:         u.sigs, SkippedSignatures: u.skipped,
	}, nil, nil
}

// fetch reads the next page of users and resolves the signatures of those
// that are not rejected. The cursor is declared at the first page, after
// Open: what it sees is the snapshot Open took only because the
// transaction is REPEATABLE READ.
func (r *Reader) fetch() error {
	if !r.declared {
		if _, err := r.tx.Exec(r.ctx, declareUsers); err != nil {
			return fmt.Errorf("reading Maarch users: %w", err)
		}
		r.declared = true
	}
	rows, err := r.tx.Query(r.ctx, fmt.Sprintf("FETCH %d FROM maarch_users", pageSize))
	if err != nil {
		return fmt.Errorf("reading Maarch users: %w", err)
	}
	page := make([]*row, 0, pageSize)
	var (
		sigIDs       []int64
		paths, names []string
	)
	for rows.Next() {
		u := &row{}
		if err := rows.Scan(&u.id, &u.login, &u.password, &u.first, &u.last, &u.mail,
			&u.status, &u.mode, &u.passwordModified, &u.manageUsers,
			&sigIDs, &paths, &names); err != nil {
			rows.Close()
			return fmt.Errorf("reading Maarch users: %w", err)
		}
		u.mail = strings.TrimSpace(u.mail)
		if u.rejection = r.reject(u); u.rejection == nil {
			for i, id := range sigIDs {
				if sig, skip := r.resolve(id, paths[i], names[i]); skip != nil {
					u.skipped = append(u.skipped, *skip)
				} else {
					u.sigs = append(u.sigs, sig)
				}
			}
		}
		page = append(page, u)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading Maarch users: %w", err)
	}
	r.page = page
	return nil
}
