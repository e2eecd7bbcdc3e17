package importer

import (
	"context"
	"slices"
	"time"

	"entgo.io/ent/dialect"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db"
)

type outcomeKind int

const (
	unchanged outcomeKind = iota
	created
	merged
	reserved // a deleted person: only its legacy ids were kept
	rejected // refused before anything of it was written
)

// outcome is what writing one record did.
type outcome struct {
	kind         outcomeKind
	changed      []string
	conflicts    []conflict
	passwordKept bool // the record's password hash is the one stored
	rej          *rejection
}

// conflict is a field on which the sources disagree: the report says
// which value was kept.
type conflict struct {
	field, reason, detail, kept string
}

// write applies one plan in the transaction ctx carries. Every check that
// can refuse the record runs before its first write and returns a
// *rejection; an error after that aborts the transaction.
func (r *run) write(ctx context.Context, p *plan) (outcome, error) {
	c := db.Client(ctx, r.im.Client)
	if p.reserve {
		for _, l := range p.legacy {
			if err := legacyids.ReserveClaimable(ctx, c, l.dialect, l.value); err != nil {
				return outcome{}, err
			}
		}
		return outcome{kind: reserved}, nil
	}
	existing, err := c.User.Query().Where(user.EmailKey(p.emailKey)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return outcome{}, apperr.Wrap(err, "finding user")
	}
	if err := r.check(ctx, c, p, existing); err != nil {
		return outcome{}, err
	}
	if existing == nil {
		return r.create(ctx, c, p)
	}
	return r.merge(ctx, c, p, existing)
}

// check runs every refusal before anything is written.
func (r *run) check(ctx context.Context, c *ent.Client, p *plan, existing *ent.User) error {
	holdsImported := false
	for _, l := range p.legacy {
		holder, held, err := legacyids.Holder(ctx, c, l.dialect, l.value)
		if err != nil {
			return err
		}
		if !held {
			continue
		}
		if holder == 0 {
			ok, err := legacyids.Claimable(ctx, c, l.dialect, l.value)
			if err != nil {
				return err
			}
			if ok {
				continue // reserved for the person this record brings: claimed
			}
		}
		if existing == nil || holder != existing.ID {
			return reject(legacyids.ReasonTaken, "legacy id %s %s is held by another person", l.dialect, l.value)
		}
		if l.value != legacyids.Derived(existing, l.dialect) {
			holdsImported = true
		}
	}
	if existing != nil && !p.in.Verified && !r.opt.MergeUnverified && !holdsImported {
		return reject("unverified_email",
			"the e-mail matches an existing person but is not verified in its source (--merge-unverified merges it)")
	}
	if existing == nil {
		login := p.in.Login
		if login == nil {
			login = &p.email
		}
		if err := accounts.CheckUnique(ctx, c, 0, nil, p.in.Username, login); err != nil {
			return rejectErr(err)
		}
	}
	for _, cr := range p.creds {
		if cr.app != "" {
			if _, err := r.appID(ctx, c, cr.app); err != nil {
				return err
			}
		}
		owner, found, err := credentialOwner(ctx, c, cr.hash)
		if err != nil {
			return err
		}
		if found && (existing == nil || owner != existing.ID) {
			return reject("credential_taken", "a credential of this record belongs to another person")
		}
	}
	for _, cs := range p.consents {
		if _, err := r.appID(ctx, c, cs.Application); err != nil {
			return err
		}
	}
	return nil
}

// create writes a new person.
func (r *run) create(ctx context.Context, c *ent.Client, p *plan) (outcome, error) {
	in := p.in
	login := ident.Key(p.email)
	if in.Login != nil {
		login = ident.Key(*in.Login)
	}
	username := ""
	if in.Username != nil {
		username = *in.Username
	} else {
		var err error
		if username, err = r.im.Accounts.FreeUsername(ctx, c, p.email, in.Login); err != nil {
			return outcome{}, err
		}
	}
	times := map[string]time.Time{}
	for f := range p.said {
		times[f] = p.at
	}
	if p.password != "" {
		times["password"] = p.passwordAt
	}
	cr := c.User.Create().SetNillablePublicID(p.publicID).
		SetEmail(p.email).SetLogin(login).SetUsername(username).
		SetFirstName(in.FirstName).SetLastName(in.LastName).
		SetVerified(in.Verified).SetPrivileges(in.Privileges).
		SetNillableRole(in.Role).SetNillableStatus(in.Status).
		SetNillableMode(in.Mode).SetNillableFlags(in.Flags).
		SetNillableDisplayName(in.Name).
		SetCreatedAt(p.createdAt).SetUpdatedAt(p.at).
		SetImportTimes(times)
	if p.password != "" {
		cr.SetPasswordHash(p.password)
	}
	if p.id != nil {
		cr.SetID(*p.id)
	}
	u, err := cr.Save(ctx)
	if err != nil {
		return outcome{}, accounts.ClassifyWrite(err)
	}
	for _, l := range p.legacy {
		if err := assignLegacy(ctx, c, u.ID, l); err != nil {
			return outcome{}, err
		}
	}
	if _, err := r.writeContents(ctx, c, p, u, true); err != nil {
		return outcome{}, err
	}
	if err := r.settle(ctx, c, u.ID, p.at); err != nil {
		return outcome{}, err
	}
	return outcome{kind: created, passwordKept: p.password != ""}, nil
}

// settle puts back the person's updated_at: writing contents (an avatar)
// touches the row, and updated_at is what the sources' times are compared
// with.
func (r *run) settle(ctx context.Context, c *ent.Client, id int, at time.Time) error {
	return c.User.UpdateOneID(id).SetUpdatedAt(at).Exec(ctx)
}

// merge adds a record to the person it describes: each field takes the
// value of the later source (the existing one on a tie), rights never rise
// without --merge-rights, and every difference is reported.
func (r *run) merge(ctx context.Context, c *ent.Client, p *plan, u *ent.User) (outcome, error) {
	o := outcome{kind: unchanged}
	times := u.ImportTimes
	if times == nil {
		times = map[string]time.Time{}
	}
	var last time.Time
	for _, t := range times {
		if t.After(last) {
			last = t
		}
	}
	// A person made here, or changed here since the last import, has
	// fields as recent as updated_at.
	native := len(times) == 0 || u.UpdatedAt.After(last)
	fieldTime := func(f string) time.Time {
		if native {
			return u.UpdatedAt
		}
		return times[f] // zero when no source said it: any source wins
	}
	wins := func(f string, at time.Time) bool { return at.After(fieldTime(f)) }
	upd := c.User.UpdateOneID(u.ID)
	timesChanged := false
	field := func(name string, differs bool, set func()) {
		if !p.said[name] {
			return
		}
		win := wins(name, p.at)
		if !differs {
			if win && !native {
				times[name] = p.at
				timesChanged = true
			}
			return
		}
		kept := "existing"
		if win {
			kept = "record"
			set()
			times[name] = p.at
			timesChanged = true
			o.changed = append(o.changed, name)
		}
		o.conflicts = append(o.conflicts, conflict{field: name, reason: "differs", kept: kept,
			detail: "the sources disagree; the later updated_at wins"})
	}
	in := p.in
	field("first_name", in.FirstName != u.FirstName, func() { upd.SetFirstName(in.FirstName) })
	field("last_name", in.LastName != u.LastName, func() { upd.SetLastName(in.LastName) })
	field("display_name", in.Name != nil && (u.DisplayName == nil || *u.DisplayName != *in.Name),
		func() { upd.SetNillableDisplayName(in.Name) })
	if in.Username != nil && *in.Username != u.Username && wins("username", p.at) {
		if err := accounts.CheckUnique(ctx, c, u.ID, nil, in.Username, nil); err != nil {
			o.conflicts = append(o.conflicts, conflict{field: "username", reason: apperr.As(err).Reason, kept: "existing",
				detail: "the record's username is held by another person"})
			delete(p.said, "username")
		}
	}
	field("username", in.Username != nil && *in.Username != u.Username, func() { upd.SetUsername(*in.Username) })
	if in.Login != nil && ident.Key(*in.Login) != u.Login && wins("login", p.at) {
		if err := accounts.CheckUnique(ctx, c, u.ID, nil, nil, in.Login); err != nil {
			o.conflicts = append(o.conflicts, conflict{field: "login", reason: apperr.As(err).Reason, kept: "existing",
				detail: "the record's login is held by another person"})
			delete(p.said, "login")
		}
	}
	field("login", in.Login != nil && ident.Key(*in.Login) != u.Login, func() { upd.SetLogin(ident.Key(*in.Login)) })
	field("mode", in.Mode != nil && *in.Mode != u.Mode, func() { upd.SetMode(*in.Mode) })
	removesAdmin := in.Status != nil && *in.Status != user.StatusActive && p.said["status"] && wins("status", p.at) &&
		u.Role == user.RoleAdmin && u.Status == user.StatusActive
	onlyAdmin := false
	if removesAdmin {
		var err error
		if onlyAdmin, err = lastAdmin(ctx, c, u.ID); err != nil {
			return outcome{}, err
		}
	}
	switch {
	case onlyAdmin:
		o.conflicts = append(o.conflicts, conflict{field: "status", reason: accounts.ReasonLastAdministrator, kept: "existing",
			detail: "the person is the store's last active administrator; an import never leaves the store without one"})
	case u.Status != user.StatusBanned:
		field("status", in.Status != nil && *in.Status != u.Status, func() { upd.SetStatus(*in.Status) })
	case in.Status != nil && *in.Status != u.Status:
		o.conflicts = append(o.conflicts, conflict{field: "status", reason: "banned_here", kept: "existing",
			detail: "the person is banned in this store; an import never lifts a ban"})
	}
	if in.Verified && !u.Verified {
		upd.SetVerified(true)
		o.changed = append(o.changed, "verified")
	}
	r.mergeRights(p, u, upd, &o)
	if p.password != "" {
		differs := u.PasswordHash != p.password
		if u.PasswordHash == "" || wins("password", p.passwordAt) {
			if differs {
				upd.SetPasswordHash(p.password)
				o.changed = append(o.changed, "password")
				o.passwordKept = true
			}
			if !native && times["password"] != p.passwordAt {
				times["password"] = p.passwordAt
				timesChanged = true
			}
		}
		if differs && u.PasswordHash != "" {
			kept := "existing"
			if o.passwordKept {
				kept = "record (" + p.algorithm + ")"
			}
			o.conflicts = append(o.conflicts, conflict{field: "password", reason: "differs", kept: kept,
				detail: "the sources hold different password hashes; the later one is kept"})
		}
	}
	for _, l := range p.legacy {
		if id, err := legacyids.In(ctx, c, u, l.dialect); err != nil {
			return outcome{}, err
		} else if id == l.value {
			continue
		}
		if err := assignLegacy(ctx, c, u.ID, l); err != nil {
			return outcome{}, err
		}
		o.changed = append(o.changed, "legacy_ids."+string(l.dialect))
	}
	contents, err := r.writeContents(ctx, c, p, u, false)
	if err != nil {
		return outcome{}, err
	}
	o.changed = append(o.changed, contents...)
	if len(o.changed) > 0 || timesChanged {
		at := u.UpdatedAt
		if p.at.After(at) && len(o.changed) > 0 {
			at = p.at
		}
		if native {
			// From now on the fields' own times decide: the native
			// values count as of updated_at.
			for f := range p.said {
				if _, ok := times[f]; !ok {
					times[f] = u.UpdatedAt
				}
			}
		}
		if err := upd.SetImportTimes(times).SetUpdatedAt(at).Exec(ctx); err != nil {
			return outcome{}, accounts.ClassifyWrite(err)
		}
	}
	if slices.Contains(o.changed, "status") && *p.in.Status == user.StatusBanned {
		if err := accounts.RevokeAll(ctx, c, u.ID, r.now()); err != nil {
			return outcome{}, err
		}
	}
	if len(o.changed) > 0 {
		o.kind = merged
	}
	return o, nil
}

// mergeRights keeps the person's rights unless --merge-rights, which takes
// the union; every difference is reported either way.
func (r *run) mergeRights(p *plan, u *ent.User, upd *ent.UserUpdateOne, o *outcome) {
	in := p.in
	role := u.Role
	if in.Role != nil && *in.Role != u.Role {
		kept := "existing"
		if r.opt.MergeRights && *in.Role == user.RoleAdmin {
			role, kept = user.RoleAdmin, "union"
		}
		o.conflicts = append(o.conflicts, conflict{field: "role", reason: "rights_differ", kept: kept,
			detail: "a merge raises rights only with --merge-rights"})
	}
	flags := u.Flags
	if in.Flags != nil && *in.Flags != u.Flags {
		kept := "existing"
		if r.opt.MergeRights {
			flags, kept = u.Flags|*in.Flags, "union"
		}
		o.conflicts = append(o.conflicts, conflict{field: "flags", reason: "rights_differ", kept: kept,
			detail: "a merge raises rights only with --merge-rights"})
	}
	privs := slices.Clone(u.Privileges)
	for _, pr := range in.Privileges {
		if !slices.Contains(u.Privileges, pr) {
			kept := "existing"
			if r.opt.MergeRights {
				privs, kept = append(privs, pr), "union"
			}
			o.conflicts = append(o.conflicts, conflict{field: "privileges", reason: "rights_differ", kept: kept,
				detail: "a merge raises rights only with --merge-rights"})
		}
	}
	if !r.opt.MergeRights {
		return
	}
	if role != u.Role {
		upd.SetRole(role)
		o.changed = append(o.changed, "role")
	}
	if flags != u.Flags {
		upd.SetFlags(flags)
		o.changed = append(o.changed, "flags")
	}
	if len(privs) != len(u.Privileges) {
		upd.SetPrivileges(privs)
		o.changed = append(o.changed, "privileges")
	}
}

// assignLegacy gives a person one of the record's legacy ids: a free one,
// or one reserved when its source could not bring the person in earlier
// (claimed now that it does).
func assignLegacy(ctx context.Context, c *ent.Client, userID int, l legacyID) error {
	holder, held, err := legacyids.Holder(ctx, c, l.dialect, l.value)
	if err != nil {
		return err
	}
	if held && holder == 0 {
		return legacyids.Claim(ctx, c, userID, l.dialect, l.value)
	}
	return legacyids.Assign(ctx, c, userID, l.dialect, l.value)
}

// lastAdmin tells whether the user id is the store's only active
// administrator: an import, like every other writer but the operator's
// --force, never leaves the store without one (accounts' rule). On
// PostgreSQL the active administrators are locked in id order first, as
// accounts does, so that two such changes run one after the other.
func lastAdmin(ctx context.Context, c *ent.Client, id int) (bool, error) {
	q := c.User.Query().Where(user.RoleEQ(user.RoleAdmin), user.StatusEQ(user.StatusActive)).Order(ent.Asc(user.FieldID))
	if c.Dialect() == dialect.Postgres {
		q = q.ForUpdate()
	}
	ids, err := q.IDs(ctx)
	if err != nil {
		return false, apperr.Wrap(err, "counting administrators")
	}
	return len(ids) == 1 && ids[0] == id, nil
}
