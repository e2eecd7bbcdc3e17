package importer

import (
	"context"
	"strconv"
	"strings"
	"time"

	"userbridge/ent"
	"userbridge/ent/credential"
	"userbridge/ent/legacyid"
	"userbridge/ent/predicate"
	"userbridge/ent/user"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/legacyids"
)

// A batch is written in two parts. The people it brings for the first
// time, who share nothing with the store or with another record of the
// batch, are created together: one look-up per kind of key for the whole
// batch, then one multi-row insert per table (bulk.go). Every other record
// (a merge, a reservation, anything that meets another person's e-mail,
// legacy id, token, login or username) goes through write, one at a time,
// after them: its outcome is the one it would have had alone, since the
// people created before it share none of its keys.

// fresh is a plan the bulk path creates, with the username it receives.
type fresh struct {
	i        int // index in the batch
	p        *plan
	username string
}

// keys are what a plan would take or meet in the store: two plans sharing
// one are written one at a time, in file order.
func (r *run) keys(p *plan) []string {
	var ks []string
	for _, l := range p.legacy {
		ks = append(ks, "l:"+string(l.dialect)+":"+l.value)
	}
	if p.reserve {
		return ks
	}
	ks = append(ks, "e:"+p.emailKey)
	login := p.email
	if p.in.Login != nil {
		login = *p.in.Login
	}
	ks = append(ks, "n:"+ident.Key(login))
	if p.in.Username != nil {
		ks = append(ks, "u:"+ident.Key(*p.in.Username))
	} else if first := accounts.FirstUsername(p.email, p.in.Login); first != "" {
		ks = append(ks, "u:"+ident.Key(first))
	}
	for _, c := range p.creds {
		ks = append(ks, "c:"+c.hash)
	}
	if p.id != nil {
		id := strconv.Itoa(*p.id)
		ks = append(ks, "l:"+string(legacyid.DialectEduplatform)+":"+id, "l:"+string(legacyid.DialectMaarch)+":"+id)
	}
	return ks
}

// pick chooses the plans the bulk path may create: new people whose keys
// no other record of the batch has and the store does not hold. It costs
// three statements whatever the batch's size.
func (r *run) pick(ctx context.Context, c *ent.Client, batch []*plan) ([]fresh, error) {
	keys := make([][]string, len(batch))
	seen := map[string]int{}
	for i, p := range batch {
		keys[i] = r.keys(p)
		for _, k := range keys[i] {
			seen[k]++
		}
	}
	var cands []fresh
	for i, p := range batch {
		if p.reserve || !r.simple(ctx, c, p) {
			continue
		}
		alone := true
		for _, k := range keys[i] {
			alone = alone && seen[k] == 1
		}
		if !alone {
			continue
		}
		f := fresh{i: i, p: p}
		if p.in.Username != nil {
			f.username = *p.in.Username
		} else if f.username = accounts.FirstUsername(p.email, p.in.Login); f.username == "" {
			continue
		}
		cands = append(cands, f)
	}
	if len(cands) == 0 {
		return nil, nil
	}
	held, err := r.held(ctx, c, cands)
	if err != nil {
		return nil, err
	}
	out := cands[:0]
	for _, f := range cands {
		free := true
		for _, k := range keys[f.i] {
			free = free && !held[k]
		}
		if free {
			out = append(out, f)
		}
	}
	return out, nil
}

// simple tells whether a plan's references resolve without a rejection:
// its applications are known, and it names each application's consent
// once.
func (r *run) simple(ctx context.Context, c *ent.Client, p *plan) bool {
	for _, cr := range p.creds {
		if cr.app != "" {
			if _, err := r.appID(ctx, c, cr.app); err != nil {
				return false
			}
		}
	}
	apps := map[string]bool{}
	for _, cs := range p.consents {
		if _, err := r.appID(ctx, c, cs.Application); err != nil || apps[cs.Application] {
			return false
		}
		apps[cs.Application] = true
	}
	return true
}

// held looks up, for the candidates, every key the store already holds:
// users by e-mail, login, username, public id or primary key; stored
// legacy ids; tokens.
func (r *run) held(ctx context.Context, c *ent.Client, cands []fresh) (map[string]bool, error) {
	var emails, logins, usernames, publicIDs []string
	var ids []int
	legacy := map[legacyid.Dialect][]string{}
	var hashes []string
	for _, f := range cands {
		p := f.p
		emails = append(emails, p.emailKey)
		login := p.email
		if p.in.Login != nil {
			login = *p.in.Login
		}
		logins = append(logins, ident.Key(login))
		usernames = append(usernames, ident.Key(f.username))
		for _, l := range p.legacy {
			legacy[l.dialect] = append(legacy[l.dialect], l.value)
			switch l.dialect {
			case legacyid.DialectEdufocus:
				publicIDs = append(publicIDs, l.value)
			case legacyid.DialectUsersv1:
				publicIDs = append(publicIDs, strings.TrimPrefix(l.value, "usr_"))
			default:
				n, _ := strconv.Atoi(l.value)
				ids = append(ids, n)
			}
		}
		if p.id != nil {
			ids = append(ids, *p.id)
			id := strconv.Itoa(*p.id)
			legacy[legacyid.DialectEduplatform] = append(legacy[legacyid.DialectEduplatform], id)
			legacy[legacyid.DialectMaarch] = append(legacy[legacyid.DialectMaarch], id)
		}
		for _, cr := range p.creds {
			hashes = append(hashes, cr.hash)
		}
	}
	held := map[string]bool{}
	// A user holding an integer id as its primary key may have replaced
	// it since: write, which looks closer, decides.
	users, err := c.User.Query().Where(user.Or(user.EmailKeyIn(emails...), user.LoginIn(logins...),
		user.UsernameKeyIn(usernames...), user.PublicIDIn(publicIDs...), user.IDIn(ids...))).
		Select(user.FieldID, user.FieldEmailKey, user.FieldLogin, user.FieldUsernameKey, user.FieldPublicID).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		held["e:"+u.EmailKey] = true
		held["n:"+u.Login] = true
		held["u:"+u.UsernameKey] = true
		for _, d := range []legacyid.Dialect{legacyid.DialectEdufocus, legacyid.DialectUsersv1,
			legacyid.DialectEduplatform, legacyid.DialectMaarch} {
			held["l:"+string(d)+":"+legacyids.Derived(u, d)] = true
		}
	}
	var ors []predicate.LegacyID
	for d, vs := range legacy {
		ors = append(ors, legacyid.And(legacyid.DialectEQ(d), legacyid.ValueIn(vs...)))
	}
	if len(ors) > 0 {
		rows, err := c.LegacyID.Query().Where(legacyid.Or(ors...)).
			Select(legacyid.FieldDialect, legacyid.FieldValue).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range rows {
			held["l:"+string(l.Dialect)+":"+l.Value] = true
		}
	}
	if len(hashes) > 0 {
		found, err := c.Credential.Query().Where(credential.TokenHashIn(hashes...)).
			Select(credential.FieldTokenHash).Strings(ctx)
		if err != nil {
			return nil, err
		}
		for _, h := range found {
			held["c:"+h] = true
		}
	}
	return held, nil
}

// importTimes are the times a new person's fields came from.
func importTimes(p *plan) map[string]time.Time {
	times := map[string]time.Time{}
	for f := range p.said {
		times[f] = p.at
	}
	if p.password != "" {
		times["password"] = p.passwordAt
	}
	return times
}
