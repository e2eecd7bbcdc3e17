package importer

import (
	"context"
	"slices"
	"time"

	"userbridge/ent"
	"userbridge/ent/consent"
	"userbridge/ent/credential"
	"userbridge/ent/file"
	"userbridge/ent/signature"
	"userbridge/ent/user"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/legacyids"
)

// A record imported before (the same file run again, or run again after a
// kill) finds its person as it left it. Written through write, it would
// cost some ten reads to learn that nothing changes; unchanged tells it
// for the whole batch in a few reads (one per table), so that a rerun
// costs what a first run does. It is conservative: a record is unchanged
// here only when every value write would compare is equal and no field's
// time would move; any other record, and any record sharing a key with
// another of the batch, goes through write, whose outcome is then the one
// it would have had alone.

// mergedFields are the fields merge compares through its field rule.
var mergedFields = []string{"first_name", "last_name", "display_name", "username", "login", "mode", "status"}

// storeView is what unchanged reads of the store for one batch.
type storeView struct {
	users    map[string]*ent.User // by e-mail key, legacy ids loaded
	files    map[int][]*ent.File  // user files by owner
	avatars  map[int]*ent.File    // by file id
	sigs     map[int][]*ent.Signature
	creds    map[string]int // token hash → owner (0: none)
	consents map[[2]int][]string
}

// unchanged tells which plans of the batch (not in fresh, their keys their
// own in the batch) would leave their person exactly as it is.
func (r *run) unchanged(ctx context.Context, c *ent.Client, batch []*plan, skip []bool) ([]bool, error) {
	seen := map[string]int{}
	keys := make([][]string, len(batch))
	for i, p := range batch {
		keys[i] = r.keys(p)
		for _, k := range keys[i] {
			seen[k]++
		}
	}
	var cands []int
	var emails []string
	for i, p := range batch {
		if skip[i] || p.reserve {
			continue
		}
		alone := true
		for _, k := range keys[i] {
			alone = alone && seen[k] == 1
		}
		if alone {
			cands = append(cands, i)
			emails = append(emails, p.emailKey)
		}
	}
	out := make([]bool, len(batch))
	if len(cands) == 0 {
		return out, nil
	}
	st, err := r.readStored(ctx, c, batch, cands, emails)
	if err != nil {
		return nil, err
	}
	for _, i := range cands {
		out[i] = r.same(batch[i], st)
	}
	return out, nil
}

// readStored reads, in one statement per table, what same compares.
func (r *run) readStored(ctx context.Context, c *ent.Client, batch []*plan, cands []int, emails []string) (*storeView, error) {
	st := &storeView{users: map[string]*ent.User{}, files: map[int][]*ent.File{}, avatars: map[int]*ent.File{},
		sigs: map[int][]*ent.Signature{}, creds: map[string]int{}, consents: map[[2]int][]string{}}
	users, err := c.User.Query().Where(user.EmailKeyIn(emails...)).WithLegacyIds().All(ctx)
	if err != nil || len(users) == 0 {
		return st, err
	}
	var ids, avatarIDs []int
	for _, u := range users {
		st.users[u.EmailKey] = u
		ids = append(ids, u.ID)
		if u.AvatarID != nil {
			avatarIDs = append(avatarIDs, *u.AvatarID)
		}
	}
	var hashes []string
	anyFiles, anySigs, anyConsents := false, false, false
	for _, i := range cands {
		p := batch[i]
		for _, cr := range p.creds {
			hashes = append(hashes, cr.hash)
		}
		anyFiles = anyFiles || len(p.files) > 0 || p.avatar != nil
		anySigs = anySigs || len(p.signatures) > 0
		anyConsents = anyConsents || len(p.consents) > 0
	}
	if anyFiles {
		fs, err := c.File.Query().Where(file.Or(file.And(file.OwnerIDIn(ids...), file.KindEQ(file.KindUserFile)),
			file.IDIn(avatarIDs...))).
			Select(file.FieldID, file.FieldOwnerID, file.FieldKind, file.FieldName, file.FieldSha256, file.FieldCreatedAt).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if f.Kind == file.KindUserFile {
				st.files[f.OwnerID] = append(st.files[f.OwnerID], f)
			}
			st.avatars[f.ID] = f
		}
	}
	if anySigs {
		sigs, err := c.Signature.Query().Where(signature.OwnerIDIn(ids...)).Order(ent.Asc(signature.FieldID)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range sigs {
			st.sigs[s.OwnerID] = append(st.sigs[s.OwnerID], s)
		}
	}
	if len(hashes) > 0 {
		crs, err := c.Credential.Query().Where(credential.TokenHashIn(hashes...)).
			Select(credential.FieldTokenHash, credential.FieldUserID).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, cr := range crs {
			st.creds[cr.TokenHash] = 0
			if cr.UserID != nil {
				st.creds[cr.TokenHash] = *cr.UserID
			}
		}
	}
	if anyConsents {
		cs, err := c.Consent.Query().Where(consent.UserIDIn(ids...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, x := range cs {
			st.consents[[2]int{x.UserID, x.ApplicationID}] = x.Scopes
		}
	}
	return st, nil
}

// same tells whether write would find p's person and leave it as it is:
// the checks pass, every field compared is equal and no field's time
// moves, every content is already there.
func (r *run) same(p *plan, st *storeView) bool {
	u := st.users[p.emailKey]
	if u == nil || len(u.ImportTimes) == 0 {
		return false
	}
	// check: each legacy id is one the person holds as stored (a derived
	// one could be another's stored id: write looks closer).
	holdsImported := false
	for _, l := range p.legacy {
		i := slices.IndexFunc(u.Edges.LegacyIds, func(x *ent.LegacyID) bool { return x.Dialect == l.dialect })
		if i < 0 || u.Edges.LegacyIds[i].Value != l.value {
			return false
		}
		holdsImported = holdsImported || l.value != legacyids.Derived(u, l.dialect)
	}
	if !p.in.Verified && !r.opt.MergeUnverified && !holdsImported {
		return false
	}
	for _, cr := range p.creds {
		if owner, ok := st.creds[cr.hash]; !ok || owner != u.ID {
			return false
		}
		if _, ok := r.apps[cr.app]; cr.app != "" && !ok {
			return false
		}
	}
	for _, cs := range p.consents {
		app, ok := r.apps[cs.Application]
		if !ok {
			return false
		}
		have, ok := st.consents[[2]int{u.ID, app}]
		if !ok {
			return false
		}
		for _, s := range cs.Scopes {
			if !slices.Contains(have, s) {
				return false
			}
		}
	}
	// merge: the person's fields have their own times (not changed here
	// since), none of which the record's is later than, and equal values.
	times := u.ImportTimes
	var last time.Time
	for _, t := range times {
		if t.After(last) {
			last = t
		}
	}
	if u.UpdatedAt.After(last) {
		return false
	}
	for _, f := range mergedFields {
		if p.said[f] && p.at.After(times[f]) {
			return false
		}
	}
	in := p.in
	switch {
	case in.FirstName != u.FirstName && p.said["first_name"], in.LastName != u.LastName && p.said["last_name"],
		in.Name != nil && (u.DisplayName == nil || *u.DisplayName != *in.Name),
		in.Username != nil && *in.Username != u.Username,
		in.Login != nil && ident.Key(*in.Login) != u.Login,
		in.Mode != nil && *in.Mode != u.Mode,
		in.Status != nil && *in.Status != u.Status,
		in.Verified && !u.Verified,
		in.Role != nil && *in.Role != u.Role,
		in.Flags != nil && *in.Flags != u.Flags:
		return false
	}
	for _, pr := range in.Privileges {
		if !slices.Contains(u.Privileges, pr) {
			return false
		}
	}
	if p.password != "" && (u.PasswordHash != p.password || times["password"] != p.passwordAt) {
		return false
	}
	// contents: the avatar, each file, each signature set already there.
	if p.avatar != nil {
		if u.AvatarID == nil {
			return false
		}
		cur := st.avatars[*u.AvatarID]
		if cur == nil || (cur.Sha256 != sum(p.avatar.data) && p.at.After(cur.CreatedAt)) {
			return false
		}
	}
	for _, f := range p.files {
		name, h := files.SanitizeName(f.name), sum(f.data)
		if !slices.ContainsFunc(st.files[u.ID], func(x *ent.File) bool { return x.Name == name && x.Sha256 == h }) {
			return false
		}
	}
	for app, set := range p.signatures {
		var cur []*ent.Signature
		for _, s := range st.sigs[u.ID] {
			if (app == "" && s.ExternalApplication == nil) || (s.ExternalApplication != nil && *s.ExternalApplication == app) {
				cur = append(cur, s)
			}
		}
		if !sameSignatures(cur, set) {
			return false
		}
	}
	return true
}
