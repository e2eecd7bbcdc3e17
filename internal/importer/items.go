package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/consent"
	"userbridge/ent/credential"
	"userbridge/ent/file"
	"userbridge/ent/signature"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/files"
)

// writeContents writes what a person holds besides their fields: avatar,
// files, signatures, credentials and consents. On a merge, what is already
// there is left alone, so a second run writes nothing; it returns what
// changed.
func (r *run) writeContents(ctx context.Context, c *ent.Client, p *plan, u *ent.User, isNew bool) ([]string, error) {
	var changed []string
	if p.avatar != nil {
		did, err := r.writeAvatar(ctx, c, p, u, isNew)
		if err != nil {
			return nil, err
		}
		if did {
			changed = append(changed, "avatar")
		}
	}
	n, err := r.writeFiles(ctx, c, p, u.ID, isNew)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		changed = append(changed, "files")
	}
	for app, set := range p.signatures {
		did, err := r.writeSignatures(ctx, c, u.ID, app, set, isNew)
		if err != nil {
			return nil, err
		}
		if did {
			changed = append(changed, "signatures")
		}
	}
	if n, err := r.writeCredentials(ctx, c, p, u.ID, p.banned || u.Status == user.StatusBanned); err != nil {
		return nil, err
	} else if n > 0 {
		changed = append(changed, "credentials")
	}
	if n, err := r.writeConsents(ctx, c, p, u.ID); err != nil {
		return nil, err
	} else if n > 0 {
		changed = append(changed, "consents")
	}
	return changed, nil
}

func sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// writeAvatar replaces the avatar when the record is later than the
// person's, unless it is the same image.
func (r *run) writeAvatar(ctx context.Context, c *ent.Client, p *plan, u *ent.User, isNew bool) (bool, error) {
	if !isNew && u.AvatarID != nil {
		cur, err := c.File.Get(ctx, *u.AvatarID)
		if err != nil && !ent.IsNotFound(err) {
			return false, err
		}
		if cur != nil && cur.Sha256 == sum(p.avatar.data) {
			return false, nil
		}
		if cur != nil && !p.at.After(cur.CreatedAt) {
			return false, nil // the person's avatar is as recent
		}
	}
	_, err := r.im.Files.Restore(ctx, u.ID, files.RestoreInput{ID: p.avatar.id, Avatar: true,
		CreatedAt: p.avatar.at, Data: p.avatar.data})
	return err == nil, err
}

// writeFiles adds the files the person does not have yet (same name and
// bytes); the quota then keeps the newest, as for uploads.
func (r *run) writeFiles(ctx context.Context, c *ent.Client, p *plan, userID int, isNew bool) (int, error) {
	added := 0
	for _, f := range p.files {
		if !isNew {
			have, err := c.File.Query().Where(file.OwnerID(userID), file.KindEQ(file.KindUserFile),
				file.Name(files.SanitizeName(f.name)), file.Sha256(sum(f.data))).Exist(ctx)
			if err != nil {
				return 0, err
			}
			if have {
				continue
			}
		}
		if _, err := r.im.Files.Restore(ctx, userID, files.RestoreInput{ID: f.id, Name: f.name, Nature: f.nature,
			CreatedAt: f.at, Data: f.data}); err != nil {
			return 0, err
		}
		added++
	}
	return added, nil
}

// writeSignatures replaces the person's set for one external application
// unless it already holds the same images in the same order.
func (r *run) writeSignatures(ctx context.Context, c *ent.Client, userID int, app string, set []sigContent, isNew bool) (bool, error) {
	q := c.Signature.Query().Where(signature.OwnerID(userID))
	del := c.Signature.Delete().Where(signature.OwnerID(userID))
	if app == "" {
		q, del = q.Where(signature.ExternalApplicationIsNil()), del.Where(signature.ExternalApplicationIsNil())
	} else {
		q, del = q.Where(signature.ExternalApplication(app)), del.Where(signature.ExternalApplication(app))
	}
	if !isNew {
		cur, err := q.Order(ent.Asc(signature.FieldID)).All(ctx)
		if err != nil {
			return false, err
		}
		if sameSignatures(cur, set) {
			return false, nil
		}
		if _, err := del.Exec(ctx); err != nil {
			return false, err
		}
	}
	creates := make([]*ent.SignatureCreate, len(set))
	for i, s := range set {
		cr := c.Signature.Create().SetOwnerID(userID).SetFormat(s.format).SetData(s.data).SetCreatedAt(s.at)
		if app != "" {
			cr.SetExternalApplication(app)
		}
		creates[i] = cr
	}
	_, err := c.Signature.CreateBulk(creates...).Save(ctx)
	return err == nil, apperr.Classify(err)
}

func sameSignatures(cur []*ent.Signature, set []sigContent) bool {
	return slices.EqualFunc(cur, set, func(a *ent.Signature, b sigContent) bool {
		return a.Format == b.format && bytes.Equal(a.Data, b.data)
	})
}

// writeCredentials adds the tokens the store does not hold yet. A banned
// person's are stored revoked: a ban revokes credentials for good, so an
// unban must not bring them to life.
func (r *run) writeCredentials(ctx context.Context, c *ent.Client, p *plan, userID int, banned bool) (int, error) {
	added := 0
	for _, cr := range p.creds {
		_, found, err := credentialOwner(ctx, c, cr.hash)
		if err != nil {
			return 0, err
		}
		if found {
			continue
		}
		m := c.Credential.Create().SetTokenHash(cr.hash).SetKind(cr.kind).
			SetScopes(cr.scopes).SetConsented(cr.consented).SetUserID(userID).SetNillableExpiresAt(cr.expires)
		if cr.id != nil {
			m.SetID(*cr.id)
		}
		if banned {
			m.SetRevokedAt(r.now())
		}
		if cr.app != "" {
			id, err := r.appID(ctx, c, cr.app)
			if err != nil {
				return 0, err
			}
			m.SetApplicationID(id)
		}
		if err := m.Exec(ctx); err != nil {
			return 0, apperr.Classify(err)
		}
		added++
	}
	return added, nil
}

// writeConsents adds consents, or the scopes a consent lacks.
func (r *run) writeConsents(ctx context.Context, c *ent.Client, p *plan, userID int) (int, error) {
	changed := 0
	for _, cs := range p.consents {
		appID, err := r.appID(ctx, c, cs.Application)
		if err != nil {
			return 0, err
		}
		cur, err := c.Consent.Query().Where(consent.UserID(userID), consent.ApplicationID(appID)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
			m := c.Consent.Create().SetUserID(userID).SetApplicationID(appID).SetScopes(cs.Scopes)
			if cs.CreatedAt != nil {
				m.SetCreatedAt(cs.CreatedAt.UTC().Truncate(time.Microsecond))
			}
			if err := m.Exec(ctx); err != nil {
				return 0, apperr.Classify(err)
			}
			changed++
		case err != nil:
			return 0, err
		default:
			union := slices.Clone(cur.Scopes)
			for _, s := range cs.Scopes {
				if !slices.Contains(union, s) {
					union = append(union, s)
				}
			}
			if len(union) != len(cur.Scopes) {
				if err := c.Consent.UpdateOne(cur).SetScopes(union).Exec(ctx); err != nil {
					return 0, err
				}
				changed++
			}
		}
	}
	return changed, nil
}

// credentialOwner finds who holds a token hash (0: an application alone).
func credentialOwner(ctx context.Context, c *ent.Client, hash string) (int, bool, error) {
	cr, err := c.Credential.Query().Where(credential.TokenHash(hash)).Only(ctx)
	if ent.IsNotFound(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, apperr.Wrap(err, "finding credential")
	}
	if cr.UserID == nil {
		return 0, true, nil
	}
	return *cr.UserID, true, nil
}

// appID resolves an application's client id, remembering it; an unknown
// one rejects the record.
func (r *run) appID(ctx context.Context, c *ent.Client, clientID string) (int, error) {
	if id, ok := r.apps[clientID]; ok {
		return id, nil
	}
	id, err := c.Application.Query().Where(application.ClientID(clientID)).OnlyID(ctx)
	if ent.IsNotFound(err) {
		return 0, reject("unknown_application", "application %q is neither in the store nor in the file", clientID)
	}
	if err != nil {
		return 0, apperr.Wrap(err, "finding application")
	}
	r.apps[clientID] = id
	return id, nil
}
