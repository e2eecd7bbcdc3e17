package importer

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/ent/schema"
	"userbridge/internal/apperr"
	"userbridge/internal/randid"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/legacyids"
)

// createAll creates the people pick chose, in the transaction ctx
// carries, with one multi-row insert per table: users, legacy ids, files
// (blobs written concurrently), signatures, credentials, consents. What
// write checks one record at a time, pick checked for the whole batch.
func (r *run) createAll(ctx context.Context, c *ent.Client, fs []fresh) error {
	if len(fs) == 0 {
		return nil
	}
	// As Assign does: the sequence moves above every integer id stored,
	// before any user is created, so that none of them derives one.
	top := 0
	for _, f := range fs {
		for _, l := range f.p.legacy {
			if l.dialect == legacyid.DialectEduplatform || l.dialect == legacyid.DialectMaarch {
				n, _ := strconv.Atoi(l.value)
				top = max(top, n)
			}
		}
	}
	if err := legacyids.EnsureSequenceAbove(ctx, c, top); err != nil {
		return err
	}
	// The blobs are written while the users and their ids are.
	var contents []files.RestoreInput
	var holder []int // index in fs of each content's owner
	for k, f := range fs {
		if a := f.p.avatar; a != nil {
			contents = append(contents, files.RestoreInput{ID: a.id, Avatar: true, CreatedAt: a.at, Data: a.data})
			holder = append(holder, k)
		}
		for _, fl := range f.p.files {
			contents = append(contents, files.RestoreInput{ID: fl.id, Name: fl.name, Nature: fl.nature, CreatedAt: fl.at, Data: fl.data})
			holder = append(holder, k)
		}
	}
	blobs := r.im.Files.WriteNew(ctx, contents)
	defer r.im.Files.Discard(blobs)
	users, err := r.createUsers(ctx, c, fs)
	if err != nil {
		return err
	}
	var ids []*ent.LegacyIDCreate
	var sigs []*ent.SignatureCreate
	var creds [2][]*ent.CredentialCreate // with a kept primary key, without
	var consents []*ent.ConsentCreate
	now := r.now()
	for k, f := range fs {
		p, u := f.p, users[k]
		for _, l := range p.legacy {
			if l.value != legacyids.Derived(u, l.dialect) {
				ids = append(ids, c.LegacyID.Create().SetDialect(l.dialect).SetValue(l.value).SetUserID(u.ID))
			}
		}
		for app, set := range p.signatures {
			for _, s := range set {
				cr := c.Signature.Create().SetOwnerID(u.ID).SetFormat(s.format).SetData(s.data).SetCreatedAt(s.at)
				if app != "" {
					cr.SetExternalApplication(app)
				}
				sigs = append(sigs, cr)
			}
		}
		for _, cr := range p.creds {
			m := c.Credential.Create().SetTokenHash(cr.hash).SetKind(cr.kind).SetScopes(cr.scopes).
				SetConsented(cr.consented).SetUserID(u.ID).SetNillableExpiresAt(cr.expires)
			if p.banned {
				m.SetRevokedAt(now) // as writeCredentials: a ban is for good
			}
			if cr.app != "" {
				m.SetApplicationID(r.apps[cr.app])
			}
			if cr.id != nil {
				creds[0] = append(creds[0], m.SetID(*cr.id))
			} else {
				creds[1] = append(creds[1], m)
			}
		}
		for _, cs := range p.consents {
			m := c.Consent.Create().SetUserID(u.ID).SetApplicationID(r.apps[cs.Application]).SetScopes(cs.Scopes)
			if cs.CreatedAt != nil {
				m.SetCreatedAt(cs.CreatedAt.UTC().Truncate(time.Microsecond))
			}
			consents = append(consents, m)
		}
	}
	if len(ids) > 0 {
		if err := c.LegacyID.CreateBulk(ids...).Exec(ctx); err != nil {
			return apperr.Classify(err)
		}
	}
	owners := make([]int, len(holder))
	for i, k := range holder {
		owners[i] = users[k].ID
	}
	if _, err := r.im.Files.RestoreNew(ctx, blobs, owners); err != nil {
		return err
	}
	if len(sigs) > 0 {
		if err := c.Signature.CreateBulk(sigs...).Exec(ctx); err != nil {
			return apperr.Classify(err)
		}
	}
	for _, set := range creds {
		if len(set) > 0 {
			if err := c.Credential.CreateBulk(set...).Exec(ctx); err != nil {
				return apperr.Classify(err)
			}
		}
	}
	if len(consents) > 0 {
		if err := c.Consent.CreateBulk(consents...).Exec(ctx); err != nil {
			return apperr.Classify(err)
		}
	}
	return nil
}

// createUsers inserts the people, in the order of fs: one statement for
// those with a kept primary key (a move), one for the others.
func (r *run) createUsers(ctx context.Context, c *ent.Client, fs []fresh) ([]*ent.User, error) {
	out := make([]*ent.User, len(fs))
	pids, err := freePublicIDs(ctx, c, fs)
	if err != nil {
		return nil, err
	}
	checked := make(map[string]int, len(fs))
	for k, f := range fs {
		checked[pids[k]] = 0
		if f.p.id != nil {
			checked[pids[k]] = *f.p.id
		}
	}
	ctx = schema.CheckedLegacyIDs(ctx, checked)
	for _, withID := range []bool{true, false} {
		var idx []int
		var creates []*ent.UserCreate
		for k, f := range fs {
			p := f.p
			if (p.id != nil) != withID {
				continue
			}
			in := p.in
			login := ident.Key(p.email)
			if in.Login != nil {
				login = ident.Key(*in.Login)
			}
			cr := c.User.Create().SetPublicID(pids[k]).
				SetEmail(p.email).SetLogin(login).SetUsername(f.username).
				SetFirstName(in.FirstName).SetLastName(in.LastName).
				SetVerified(in.Verified).SetPrivileges(in.Privileges).
				SetNillableRole(in.Role).SetNillableStatus(in.Status).
				SetNillableMode(in.Mode).SetNillableFlags(in.Flags).
				SetNillableDisplayName(in.Name).
				SetCreatedAt(p.createdAt).SetUpdatedAt(p.at).
				SetImportTimes(importTimes(p))
			if p.password != "" {
				cr.SetPasswordHash(p.password)
			}
			if p.id != nil {
				cr.SetID(*p.id)
			}
			idx = append(idx, k)
			creates = append(creates, cr)
		}
		if len(creates) == 0 {
			continue
		}
		users, err := c.User.CreateBulk(creates...).Save(ctx)
		if err != nil {
			return nil, accounts.ClassifyWrite(err)
		}
		for j, k := range idx {
			out[k] = users[j]
		}
	}
	return out, nil
}

// publicIDDraws bounds how many times freePublicIDs draws again, as the
// User schema's hook does for one user.
const publicIDDraws = 8

// freePublicIDs gives each person of fs a public id (its own in a move, a
// drawn one otherwise) whose string-dialect forms no stored legacy id
// takes, drawing again those that clash, as the User schema's hook does
// for one user, but in one statement for the whole batch (the hook then
// skips its own read: schema.CheckedLegacyIDs). The people's kept primary
// keys were checked against stored integer ids by pick.
func freePublicIDs(ctx context.Context, c *ent.Client, fs []fresh) ([]string, error) {
	pids := make([]string, len(fs))
	for k, f := range fs {
		if f.p.publicID != nil {
			pids[k] = *f.p.publicID
		} else {
			pids[k] = randid.PublicID()
		}
	}
	todo := make([]int, len(fs))
	for k := range todo {
		todo[k] = k
	}
	for range publicIDDraws {
		vals := make([]string, 0, len(todo))
		prefixed := make([]string, 0, len(todo))
		for _, k := range todo {
			vals = append(vals, pids[k])
			prefixed = append(prefixed, legacyids.Derived(&ent.User{PublicID: pids[k]}, legacyid.DialectUsersv1))
		}
		rows, err := c.LegacyID.Query().Where(legacyid.Or(
			legacyid.And(legacyid.DialectEQ(legacyid.DialectEdufocus), legacyid.ValueIn(vals...)),
			legacyid.And(legacyid.DialectEQ(legacyid.DialectUsersv1), legacyid.ValueIn(prefixed...)))).
			Select(legacyid.FieldDialect, legacyid.FieldValue).All(ctx)
		if err != nil {
			return nil, apperr.Wrap(err, "reading legacy ids")
		}
		if len(rows) == 0 {
			return pids, nil
		}
		taken := map[string]bool{}
		for _, l := range rows {
			if l.Dialect == legacyid.DialectEdufocus {
				taken[l.Value] = true
			} else {
				taken[strings.TrimPrefix(l.Value, "usr_")] = true
			}
		}
		next := todo[:0]
		for _, k := range todo {
			if taken[pids[k]] {
				pids[k] = randid.PublicID()
				next = append(next, k)
			}
		}
		todo = next
	}
	return nil, apperr.Wrap(errors.New("every public id drawn is a stored legacy id"), "drawing a public id")
}
