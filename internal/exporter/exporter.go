// Package exporter writes the store in the interchange format: settings
// (only when asked: they are the store's keys), applications, then every
// user with what they hold. Credentials and secrets leave only as hashes;
// files inline in base64 or into a folder.
package exporter

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/credential"
	"userbridge/ent/file"
	"userbridge/ent/setting"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/interchange"
	"userbridge/internal/rules/files"
)

// pageSize is how many users one query reads, with their edges: memory
// stays flat whatever the store's size.
const pageSize = 200

// Exporter reads one store.
type Exporter struct {
	Client *ent.Client
	Files  *files.Service
}

// Options are one export's choices.
type Options struct {
	FilesDir    string // write file contents here (created 0700, files 0600) instead of inline
	IncludeKeys bool   // also write the store's own keys (settings), for a move
}

// Stats counts what was written.
type Stats struct {
	Users, Applications, Files, Settings int
}

// moveKey is the importer's marker of a move under way: never exported.
const moveKey = "import.move_in_progress"

// Export writes the store to w.
func (e *Exporter) Export(ctx context.Context, w io.Writer, opt Options) (Stats, error) {
	var st Stats
	out := interchange.NewWriter(w)
	if opt.FilesDir != "" {
		if err := os.MkdirAll(opt.FilesDir, 0o700); err != nil {
			return st, err
		}
	}
	if opt.IncludeKeys {
		rows, err := e.Client.Setting.Query().Where(setting.KeyNEQ(moveKey)).Order(ent.Asc(setting.FieldKey)).All(ctx)
		if err != nil {
			return st, apperr.Wrap(err, "reading settings")
		}
		for _, s := range rows {
			if err := out.WriteSetting(&interchange.Setting{Key: s.Key, Value: s.Value}); err != nil {
				return st, err
			}
			st.Settings++
		}
	}
	apps, err := e.Client.Application.Query().Order(ent.Asc(application.FieldID)).All(ctx)
	if err != nil {
		return st, apperr.Wrap(err, "reading applications")
	}
	clientIDs := map[int]string{}
	for _, a := range apps {
		clientIDs[a.ID] = a.ClientID
		rec := &interchange.Application{ID: a.ClientID, Name: a.Name, Verified: a.Verified,
			Permissions: a.Permissions, Public: a.Public, RedirectURIs: a.RedirectUris, Scopes: a.Scopes,
			CreatedAt: utc(a.CreatedAt)}
		if a.SecretHash != "" {
			rec.SecretHash = secretSpec(a.SecretHash)
		}
		if err := out.WriteApplication(rec); err != nil {
			return st, err
		}
		st.Applications++
	}
	after := 0
	for {
		users, err := e.Client.User.Query().Where(user.IDGT(after)).Order(ent.Asc(user.FieldID)).Limit(pageSize).
			WithAvatar().
			WithFiles(func(q *ent.FileQuery) {
				q.Where(file.KindEQ(file.KindUserFile)).Order(ent.Asc(file.FieldCreatedAt), ent.Asc(file.FieldID))
			}).
			WithSignatures().
			WithCredentials(func(q *ent.CredentialQuery) {
				q.Where(credential.RevokedAtIsNil(), credential.Or(credential.ExpiresAtIsNil(),
					credential.ExpiresAtGT(time.Now())))
			}).
			WithConsents().
			All(ctx)
		if err != nil {
			return st, apperr.Wrap(err, "reading users")
		}
		if len(users) == 0 {
			break
		}
		legacy, err := legacyOf(ctx, e.Client, users)
		if err != nil {
			return st, err
		}
		for _, u := range users {
			rec, n, err := e.user(ctx, u, legacy[u.ID], clientIDs, opt)
			if err != nil {
				return st, err
			}
			if err := out.WriteUser(rec); err != nil {
				return st, err
			}
			st.Users++
			st.Files += n
		}
		after = users[len(users)-1].ID
	}
	return st, out.Flush()
}

// user converts one user and its edges.
func (e *Exporter) user(ctx context.Context, u *ent.User, legacy *interchange.LegacyIDs,
	clientIDs map[int]string, opt Options) (*interchange.User, int, error) {
	id, public := u.ID, u.PublicID
	role, status, mode := string(u.Role), string(u.Status), string(u.Mode)
	flags := u.Flags
	rec := &interchange.User{ID: &id, PublicID: &public, Email: u.Email, EmailVerified: u.Verified,
		GivenName: &u.FirstName, FamilyName: &u.LastName, Name: u.DisplayName,
		Username: &u.Username, Login: &u.Login, Role: &role, Flags: &flags, Privileges: u.Privileges,
		Status: &status, Mode: &mode, CreatedAt: utc(u.CreatedAt), UpdatedAt: utc(u.UpdatedAt),
		LegacyIDs: legacy}
	if u.PasswordHash != "" {
		rec.PasswordHash = passwordSpec(u.PasswordHash)
	}
	n := 0
	if a := u.Edges.Avatar; a != nil {
		c, err := e.content(ctx, a, opt)
		if err != nil {
			return nil, 0, err
		}
		rec.Avatar = &c
		n++
	}
	for _, f := range u.Edges.Files {
		c, err := e.content(ctx, f, opt)
		if err != nil {
			return nil, 0, err
		}
		rec.Files = append(rec.Files, interchange.File{Name: f.Name, Nature: string(f.Nature), CreatedAt: utc(f.CreatedAt), Content: c})
		n++
	}
	for _, s := range u.Edges.Signatures {
		rec.Signatures = append(rec.Signatures, interchange.Signature{ExternalApplication: s.ExternalApplication,
			Format: s.Format, CreatedAt: utc(s.CreatedAt), Content: interchange.Content{Base64: base64.StdEncoding.EncodeToString(s.Data)}})
	}
	for _, c := range u.Edges.Credentials {
		id := c.ID
		consented := c.Consented
		cr := interchange.Credential{ID: &id, Kind: string(c.Kind), TokenSHA256: c.TokenHash, Scopes: c.Scopes,
			Consented: &consented, ExpiresAt: c.ExpiresAt}
		if cr.Scopes == nil {
			cr.Scopes = []string{}
		}
		if c.ApplicationID != nil {
			cr.Application = clientIDs[*c.ApplicationID]
		}
		rec.Credentials = append(rec.Credentials, cr)
	}
	for _, c := range u.Edges.Consents {
		rec.Consents = append(rec.Consents, interchange.Consent{Application: clientIDs[c.ApplicationID],
			Scopes: c.Scopes, CreatedAt: utc(c.CreatedAt)})
	}
	return rec, n, nil
}

// content reads a file's bytes: inline, or copied under FilesDir as
// <id>/<name> with owner-only permissions.
func (e *Exporter) content(ctx context.Context, f *ent.File, opt Options) (interchange.Content, error) {
	id := f.ID
	r, err := e.Files.Bucket().NewReader(ctx, f.StorageKey, nil)
	if err != nil {
		return interchange.Content{}, apperr.Wrap(err, "reading file "+fmt.Sprint(f.ID))
	}
	defer r.Close()
	if opt.FilesDir == "" {
		if f.Size > interchange.MaxInlineBytes {
			return interchange.Content{}, fmt.Errorf("file %d is %d bytes, over %d inline: use --files-dir", f.ID, f.Size, interchange.MaxInlineBytes)
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return interchange.Content{}, apperr.Wrap(err, "reading file")
		}
		return interchange.Content{ID: &id, Base64: base64.StdEncoding.EncodeToString(data)}, nil
	}
	rel := path.Join(fmt.Sprint(f.ID), files.SanitizeName(f.Name))
	if f.Kind == file.KindAvatar {
		rel = path.Join(fmt.Sprint(f.ID), "avatar")
	}
	dst := filepath.Join(opt.FilesDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return interchange.Content{}, err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600) //nolint:gosec // G304: inside the --files-dir the operator named, under a name export made
	if err != nil {
		return interchange.Content{}, err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return interchange.Content{}, err
	}
	if err := out.Close(); err != nil {
		return interchange.Content{}, err
	}
	return interchange.Content{ID: &id, Path: rel}, nil
}

func utc(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}
