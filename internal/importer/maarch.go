package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"userbridge/internal/interchange"
	"userbridge/internal/maarchdb"
	"userbridge/internal/rules/policy"
)

// Rejected is a source's own refusal of a record (a Maarch row without a
// usable e-mail): reported as rejected; with Reserve, its legacy ids are
// still reserved so no one else receives them, and an import that later
// brings the person with a usable e-mail claims them.
type Rejected struct {
	Line    int
	User    *interchange.User
	Reason  string
	Detail  string
	Reserve bool
}

func (e *Rejected) Error() string { return e.Reason + ": " + e.Detail }

// MaarchSource turns a Maarch database's rows into records: Maarch ids
// and logins kept, statuses and modes in Maarch's spelling (the plan maps
// them), signatures as files under the docservers folder.
type MaarchSource struct {
	R *maarchdb.Reader
	// At stands for the rows' modification time, which Maarch does not
	// record: the snapshot's, so that on a merge Maarch's values win over
	// older sources' (the password uses password_modification_date).
	At time.Time
	n  int
}

// Next returns the next row as a record.
func (s *MaarchSource) Next() (interchange.Record, error) {
	p, rej, err := s.R.Next()
	if errors.Is(err, io.EOF) {
		return interchange.Record{}, io.EOF
	}
	if err != nil {
		return interchange.Record{}, err
	}
	s.n++
	if rej != nil {
		id := rej.MaarchID
		u := &interchange.User{Email: rej.Email, LegacyIDs: &interchange.LegacyIDs{Maarch: &id}}
		return interchange.Record{}, &Rejected{Line: s.n, User: u, Reason: rej.Reason,
			Detail: fmt.Sprintf("Maarch user %d (%s): %s", rej.MaarchID, rej.Login, rej.Detail), Reserve: true}
	}
	rec := interchange.Record{Line: s.n, User: s.user(p)}
	for _, sk := range p.SkippedSignatures {
		rec.Skipped = append(rec.Skipped, interchange.Skip{Reason: sk.Reason,
			Detail: fmt.Sprintf("signature %d: %s", sk.ID, sk.Detail)})
	}
	return rec, nil
}

func (s *MaarchSource) user(p *maarchdb.Person) *interchange.User {
	id := p.ID
	at := s.At.UTC()
	u := &interchange.User{Email: p.Mail, EmailVerified: true, GivenName: &p.FirstName, FamilyName: &p.LastName,
		Login: &p.Login, Status: &p.Status, Mode: &p.Mode, UpdatedAt: &at,
		LegacyIDs: &interchange.LegacyIDs{Maarch: &id}}
	if p.ManageUsers {
		u.Privileges = []string{policy.PrivilegeManageUsers}
	}
	if strings.TrimSpace(p.PasswordHash) != "" {
		u.PasswordHash = &interchange.Hash{Algorithm: "bcrypt", Value: p.PasswordHash}
		u.PasswordChangedAt = p.PasswordModifiedAt
	}
	for _, sig := range p.Signatures {
		u.Signatures = append(u.Signatures, interchange.Signature{Format: sig.Format, CreatedAt: sig.CreatedAt,
			Content: interchange.Content{Path: sig.Path}})
	}
	return u
}
