package importer

import (
	"context"
	"errors"
	"io"
	"slices"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/setting"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/interchange"
	"userbridge/internal/randid"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db"
)

// appPlan is an application record checked, its secret already hashed.
type appPlan struct {
	line       int
	rec        *interchange.Application
	secretHash string
}

// applications is the first pass: it writes the file's applications (and,
// in a move, its settings) so users may refer to them from any line.
// Line errors are left to the second pass, which reports every line once.
func (r *run) applications(ctx context.Context, rd *interchange.Reader) error {
	for {
		rec, err := rd.Next()
		var lineErr *interchange.LineError
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.As(err, &lineErr):
			continue
		case err != nil:
			return err
		}
		switch {
		case rec.User != nil:
			r.prog.total++
			r.noteIntegerIDs(rec.User)
		case rec.Application != nil:
			if err := r.application(ctx, rec); err != nil {
				return err
			}
		case rec.Setting != nil:
			if err := r.setting(ctx, rec); err != nil {
				return err
			}
		}
	}
}

// application checks one application record and writes it: created when
// the store does not have its id, else left as it is (differences are
// reported: the store's application is the one its owners manage now).
func (r *run) application(ctx context.Context, rec interchange.Record) error {
	a := rec.Application
	p := &appPlan{line: rec.Line, rec: a}
	in := accounts.AppInput{Name: a.Name, Verified: a.Verified, Permissions: a.Permissions, Public: a.Public,
		RedirectURIs: a.RedirectURIs, Scopes: a.Scopes}
	if !randid.ValidAppID(a.ID) {
		r.rejectApp(p, "invalid_application_id", "id must be the application's 32-character client id")
		return nil
	}
	if err := accounts.CheckAppInput(in); err != nil {
		e := apperr.As(err)
		r.rejectApp(p, e.Reason, e.Message)
		return nil
	}
	switch {
	case a.Public && (a.Secret != "" || a.SecretHash != nil):
		r.rejectApp(p, "invalid_secret", "a public application has no secret")
		return nil
	case a.Secret != "" && a.SecretHash != nil:
		r.rejectApp(p, "invalid_secret", "give secret or secret_hash, not both")
		return nil
	case a.Secret != "":
		p.secretHash = auth.HashSecret(a.Secret)
	case a.SecretHash != nil:
		h, err := appSecretHash(a.SecretHash)
		if err != nil {
			r.rejectApp(p, "invalid_secret_hash", err.Error())
			return nil
		}
		p.secretHash = h
	case !a.Public:
		r.rejectApp(p, "invalid_secret", "a confidential application needs secret or secret_hash")
		return nil
	}
	r.appPlans = append(r.appPlans, p)
	var made bool
	err := r.inTx(ctx, func(ctx context.Context) error {
		var err error
		made, err = r.writeApp(ctx, p)
		return err
	})
	if err != nil {
		if apperr.As(err).Kind == apperr.Unavailable {
			return err
		}
		r.rejectApp(p, reasonOf(err), detailOf(err))
		return nil
	}
	if made {
		r.sum.Applications++
	}
	return nil
}

// writeApp creates the application unless the store has it.
func (r *run) writeApp(ctx context.Context, p *appPlan) (bool, error) {
	c := db.Client(ctx, r.im.Client)
	a := p.rec
	cur, err := c.Application.Query().Where(application.ClientID(a.ID)).Only(ctx)
	if err == nil {
		r.apps[a.ID] = cur.ID
		if cur.Name != a.Name || cur.Public != a.Public || cur.Verified != a.Verified ||
			!slices.Equal(cur.Scopes, a.Scopes) || !slices.Equal(cur.RedirectUris, a.RedirectURIs) {
			r.report.line(reportLine{Line: p.line, Application: a.ID, Outcome: "conflict", Reason: "differs",
				Kept: "existing", Detail: "the store already has this application with other settings"})
		}
		return false, nil
	}
	if !ent.IsNotFound(err) {
		return false, apperr.Wrap(err, "finding application")
	}
	m := c.Application.Create().SetClientID(a.ID).SetName(a.Name).SetVerified(a.Verified).
		SetPermissions(a.Permissions).SetSecretHash(p.secretHash).SetPublic(a.Public).
		SetRedirectUris(a.RedirectURIs).SetScopes(a.Scopes)
	if a.CreatedAt != nil {
		m.SetCreatedAt(a.CreatedAt.UTC())
	}
	app, err := m.Save(ctx)
	if err != nil {
		return false, apperr.Classify(err)
	}
	r.apps[a.ID] = app.ID
	return true, nil
}

func (r *run) rejectApp(p *appPlan, reason, detail string) {
	r.sum.Rejected++
	r.report.line(reportLine{Line: p.line, Application: p.rec.ID, Outcome: "rejected", Reason: reason, Detail: detail})
}

// setting writes one of the store's own keys, only in a move: a store
// that already serves keeps its keys (changing them would break every
// link and cursor its clients hold).
func (r *run) setting(ctx context.Context, rec interchange.Record) error {
	s := rec.Setting
	if !r.move {
		r.report.line(reportLine{Line: rec.Line, Outcome: "skipped", Reason: "not_a_move",
			Detail: "settings are imported only into an empty store"})
		return nil
	}
	if s.Key == "" || len(s.Key) > 64 {
		r.report.line(reportLine{Line: rec.Line, Outcome: "rejected", Reason: "invalid_setting", Detail: "key must be 1 to 64 bytes"})
		r.sum.Rejected++
		return nil
	}
	return r.inTx(ctx, func(ctx context.Context) error {
		c := db.Client(ctx, r.im.Client)
		n, err := c.Setting.Update().Where(setting.Key(s.Key)).SetValue(s.Value).Save(ctx)
		if err != nil || n > 0 {
			return err
		}
		return c.Setting.Create().SetKey(s.Key).SetValue(s.Value).Exec(ctx)
	})
}

// hasUsers tells an empty store (a move) from a serving one.
func hasUsers(ctx context.Context, c *ent.Client) (bool, error) {
	return c.User.Query().Where(user.IDGT(0)).Exist(ctx)
}
