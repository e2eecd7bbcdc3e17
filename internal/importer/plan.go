package importer

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"userbridge/ent/credential"
	"userbridge/ent/file"
	"userbridge/ent/legacyid"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/interchange"
	"userbridge/internal/randid"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/legacyids"
)

// plan is one user record checked and converted, with its contents read,
// before anything of it is written.
type plan struct {
	line       int
	rec        *interchange.User
	email      string
	emailKey   string
	id         *int      // kept in a move
	publicID   *string   // kept in a move
	at         time.Time // when the source last changed the person: merges compare it
	createdAt  time.Time
	in         accounts.CreateInput // names, rights, status, mode
	banned     bool
	said       map[string]bool // the fields the record gives
	password   string          // the stored hash, "" for none
	passwordAt time.Time
	algorithm  string
	weak       bool
	legacy     []legacyID
	avatar     *content
	files      []fileContent
	signatures map[string][]sigContent // by external application ("" for none)
	creds      []credContent
	consents   []interchange.Consent
	reserve    bool   // deleted in its source: only its legacy ids are kept
	silent     bool   // a reservation for a record already reported
	skipped    []note // contents left out (--skip-bad-files)
	notes      []note // what the report should say about a record written
}

type legacyID struct {
	dialect legacyid.Dialect
	value   string
}

type note struct{ reason, detail string }

type content struct {
	id   *int
	name string
	data []byte
	at   time.Time
}

type fileContent struct {
	content
	nature file.Nature
}

type sigContent struct {
	format string
	data   []byte
	at     time.Time
}

type credContent struct {
	id        *int
	kind      credential.Kind
	hash      string
	app       string
	scopes    []string
	consented bool
	expires   *time.Time
}

// Status and mode spellings of Maarch, accepted besides the model's own.
const (
	maarchActive    = "OK"
	maarchSuspended = "SPD"
	maarchDeleted   = "DEL"
	rootVisible     = "root_visible"
	rootInvisible   = "root_invisible"
)

// plan checks a record and reads its contents. Returns nil and no
// rejection for a record with nothing to write.
func (r *run) plan(rec interchange.Record) (*plan, *rejection) {
	u := rec.User
	if u == nil {
		return nil, nil
	}
	p := &plan{line: rec.Line, rec: u, email: strings.TrimSpace(u.Email), said: map[string]bool{},
		signatures: map[string][]sigContent{}}
	if !accounts.ValidEmail(p.email) {
		return nil, reject("invalid_email", "email is missing or not an e-mail address")
	}
	p.emailKey = ident.Key(p.email)
	if u.ID != nil && r.move {
		if *u.ID <= 0 || *u.ID >= 1<<32 {
			return nil, reject("invalid_id", "id must be a user id of this store")
		}
		p.id = u.ID
	}
	if u.PublicID != nil && r.move {
		if !randid.ValidPublicID(*u.PublicID) {
			return nil, reject("invalid_public_id", "public_id must be 8 characters from [A-Za-z0-9]")
		}
		p.publicID = u.PublicID
	}
	p.at, p.createdAt = r.now(), r.now()
	switch {
	case u.UpdatedAt != nil:
		p.at = u.UpdatedAt.UTC()
	case u.CreatedAt != nil:
		p.at = u.CreatedAt.UTC() // never changed since it was made
	}
	if u.CreatedAt != nil {
		p.createdAt = u.CreatedAt.UTC()
	} else if u.UpdatedAt != nil {
		p.createdAt = p.at
	}
	p.at, p.createdAt = p.at.Truncate(time.Microsecond), p.createdAt.Truncate(time.Microsecond)
	p.passwordAt = p.at
	if u.PasswordChangedAt != nil {
		p.passwordAt = u.PasswordChangedAt.UTC().Truncate(time.Microsecond)
	}
	for _, sk := range rec.Skipped {
		p.skipped = append(p.skipped, note{sk.Reason, sk.Detail})
	}
	if err := r.planLegacy(p); err != nil {
		return nil, err
	}
	if err := r.planPerson(p); err != nil {
		return nil, err
	}
	if p.reserve {
		return p, nil
	}
	if err := r.planPassword(p); err != nil {
		return nil, err
	}
	if err := r.planContents(p); err != nil {
		return nil, err
	}
	if err := r.planCredentials(p); err != nil {
		return nil, err
	}
	return p, nil
}

func reject(reason, format string, args ...any) *rejection {
	return &rejection{reason: reason, detail: fmt.Sprintf(format, args...)}
}

// rejectErr turns a rule's error into a rejection.
func rejectErr(err error) *rejection {
	e := apperr.As(err)
	return &rejection{reason: e.Reason, detail: e.Message}
}

func (r *run) planLegacy(p *plan) *rejection {
	ids := p.rec.LegacyIDs
	if ids == nil {
		return nil
	}
	add := func(d legacyid.Dialect, v string) *rejection {
		if err := legacyids.Valid(d, v); err != nil {
			return reject("invalid_legacy_id", "legacy_ids.%s: %s", d, apperr.As(err).Message)
		}
		p.legacy = append(p.legacy, legacyID{d, v})
		return nil
	}
	for _, c := range []struct {
		d legacyid.Dialect
		s *string
		n *int64
	}{
		{legacyid.DialectEduplatform, nil, ids.Eduplatform},
		{legacyid.DialectEdufocus, ids.Edufocus, nil},
		{legacyid.DialectUsersv1, ids.Usersv1, nil},
		{legacyid.DialectMaarch, nil, ids.Maarch},
	} {
		switch {
		case c.s != nil:
			if err := add(c.d, *c.s); err != nil {
				return err
			}
		case c.n != nil:
			if err := add(c.d, strconv.FormatInt(*c.n, 10)); err != nil {
				return err
			}
		}
	}
	return nil
}

// planPerson maps and checks the person's own fields with the rules every
// writer follows (accounts.ValidateImport).
func (r *run) planPerson(p *plan) *rejection {
	u := p.rec
	in := accounts.CreateInput{Email: p.email, Username: trimmed(u.Username), Login: trimmed(u.Login),
		Name: u.Name, Flags: u.Flags, Privileges: u.Privileges, Verified: u.EmailVerified}
	if u.GivenName != nil {
		in.FirstName = strings.TrimSpace(*u.GivenName)
	}
	if u.FamilyName != nil {
		in.LastName = strings.TrimSpace(*u.FamilyName)
	}
	if u.Role != nil {
		role := user.Role(*u.Role)
		in.Role = &role
	}
	if u.Status != nil {
		var st user.Status
		switch *u.Status {
		case maarchActive, "active":
			st = user.StatusActive
		case maarchSuspended, "suspended":
			st = user.StatusSuspended
		case "banned":
			st = user.StatusBanned
		case maarchDeleted, "deleted":
			p.reserve = true
			return nil
		default:
			return reject("invalid_status", "status must be active, suspended, banned, OK, SPD or DEL")
		}
		in.Status = &st
	}
	if u.Banned != nil && *u.Banned {
		st := user.StatusBanned
		in.Status = &st
	}
	if u.Mode != nil {
		m := user.Mode(*u.Mode)
		switch *u.Mode {
		case rootVisible, rootInvisible:
			m = user.ModeStandard
			admin := user.RoleAdmin
			in.Role = &admin
			p.notes = append(p.notes, note{"superadministrator",
				"Maarch's superadministrator (" + *u.Mode + ") is imported as an administrator in mode standard"})
		case string(user.ModeStandard), string(user.ModeRest):
		default:
			return reject("invalid_mode", "mode must be standard, rest, root_visible or root_invisible")
		}
		in.Mode = &m
	}
	if in.Role != nil && *in.Role == user.RoleAdmin && in.Flags != nil {
		f := *in.Flags | 1
		in.Flags = &f
	}
	if err := accounts.ValidateImport(in); err != nil {
		return rejectErr(err)
	}
	p.in = in
	p.banned = in.Status != nil && *in.Status == user.StatusBanned
	for field, said := range map[string]bool{
		"first_name": u.GivenName != nil, "last_name": u.FamilyName != nil, "display_name": u.Name != nil,
		"username": u.Username != nil, "login": u.Login != nil, "role": in.Role != nil,
		"flags": u.Flags != nil, "privileges": u.Privileges != nil, "status": in.Status != nil,
		"mode": in.Mode != nil, "verified": true,
	} {
		if said {
			p.said[field] = true
		}
	}
	return nil
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	return &t
}

func (r *run) planPassword(p *plan) *rejection {
	if p.rec.PasswordHash == nil {
		return nil
	}
	imp, err := parsePassword(p.rec.PasswordHash)
	if err != nil {
		e := apperr.As(err)
		return reject(e.Reason, "password_hash: %s", e.Message)
	}
	p.password, p.algorithm, p.weak = imp.Stored, imp.Algorithm, imp.Weak
	p.said["password"] = true
	return nil
}

// planContents reads and checks the avatar, files and signatures. One
// that fails the service's checks rejects the record, or with
// --skip-bad-files is left out and reported.
func (r *run) planContents(p *plan) *rejection {
	bad := func(what string, err error) *rejection {
		e := apperr.As(err)
		if r.opt.SkipBadFiles {
			p.skipped = append(p.skipped, note{e.Reason, what + ": " + e.Message})
			return nil
		}
		return reject(e.Reason, "%s: %s", what, e.Message)
	}
	if a := p.rec.Avatar; a != nil {
		data, err := r.read(*a)
		if err == nil {
			_, err = checkImage(data, "", r.im.Limits.MaxImageBytes)
		}
		if err != nil {
			if rej := bad("avatar", err); rej != nil {
				return rej
			}
		} else {
			p.avatar = &content{id: r.keepID(a.ID), data: data, at: p.at}
			p.said["avatar"] = true
		}
	}
	for i, f := range p.rec.Files {
		what := fmt.Sprintf("files[%d]", i)
		nature := file.Nature(f.Nature)
		if nature == "" {
			nature = file.NatureManual
		}
		data, err := r.read(f.Content)
		switch {
		case err != nil:
		case strings.TrimSpace(f.Name) == "":
			err = apperr.Invalidf("name", "empty_name", "the file has no name")
		case file.NatureValidator(nature) != nil:
			err = apperr.Invalidf("nature", "invalid_nature", "nature must be manual or auto")
		case int64(len(data)) > r.im.Limits.MaxUpload:
			err = apperr.New(apperr.TooLarge, "file_too_large",
				fmt.Sprintf("the file is larger than MAX_UPLOAD_BYTES (%d bytes)", r.im.Limits.MaxUpload))
		}
		if err != nil {
			if rej := bad(what, err); rej != nil {
				return rej
			}
			continue
		}
		at := p.createdAt
		if f.CreatedAt != nil {
			at = f.CreatedAt.UTC().Truncate(time.Microsecond)
		}
		p.files = append(p.files, fileContent{content{id: r.keepID(f.ID), name: f.Name, data: data, at: at}, nature})
	}
	perNature := map[file.Nature]int{}
	for _, f := range p.files {
		if perNature[f.nature]++; perNature[f.nature] > r.im.Limits.Quota {
			return reject("quota", "more %s files than USER_FILE_QUOTA (%d) keeps", f.nature, r.im.Limits.Quota)
		}
	}
	for i, s := range p.rec.Signatures {
		what := fmt.Sprintf("signatures[%d]", i)
		data, err := r.read(s.Content)
		var format string
		if err == nil {
			format, err = checkImage(data, s.Format, r.im.Limits.MaxSignatureBytes)
		}
		if err != nil {
			if rej := bad(what, err); rej != nil {
				return rej
			}
			continue
		}
		app := ""
		if s.ExternalApplication != nil {
			app = strings.TrimSpace(*s.ExternalApplication)
		}
		at := p.createdAt
		if s.CreatedAt != nil {
			at = s.CreatedAt.UTC().Truncate(time.Microsecond)
		}
		if strings.TrimSpace(s.Format) != "" {
			format = strings.TrimSpace(s.Format)
		}
		p.signatures[app] = append(p.signatures[app], sigContent{format: format, data: data, at: at})
	}
	return r.checkSignatureBounds(p)
}

// keepID honours a content's primary key only in a move.
func (r *run) keepID(id *int) *int {
	if !r.move {
		return nil
	}
	return id
}

// planCredentials hashes every token on reading: from here on only hashes
// exist, in memory and in the store.
func (r *run) planCredentials(p *plan) *rejection {
	for i, c := range p.rec.Credentials {
		kind := credential.Kind(c.Kind)
		if credential.KindValidator(kind) != nil {
			return reject("invalid_credential", "credentials[%d]: kind must be api_key, access_token or refresh_token", i)
		}
		hash, err := tokenHash(c.Token, c.TokenSHA256)
		if err != nil {
			return reject("invalid_credential", "credentials[%d]: %s", i, err.Error())
		}
		if err := accounts.CheckScopes(c.Scopes); err != nil {
			return reject("invalid_credential", "credentials[%d]: %s", i, apperr.As(err).Message)
		}
		consented := kind == credential.KindAPIKey || c.Application == ""
		if c.Consented != nil {
			consented = *c.Consented
		}
		p.creds = append(p.creds, credContent{id: r.keepID(c.ID), kind: kind, hash: hash, app: c.Application,
			scopes: c.Scopes, consented: consented, expires: c.ExpiresAt})
	}
	for i, c := range p.rec.Consents {
		if err := accounts.CheckScopes(c.Scopes); err != nil {
			return reject("invalid_consent", "consents[%d]: %s", i, apperr.As(err).Message)
		}
	}
	p.consents = p.rec.Consents
	return nil
}

// decodeBase64 reads inline contents: the standard alphabet, padded or not.
func decodeBase64(s string) ([]byte, error) {
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// size is the bytes of contents the plan holds.
func (p *plan) size() int {
	n := 0
	if p.avatar != nil {
		n += len(p.avatar.data)
	}
	for _, f := range p.files {
		n += len(f.data)
	}
	for _, set := range p.signatures {
		for _, s := range set {
			n += len(s.data)
		}
	}
	return n
}
