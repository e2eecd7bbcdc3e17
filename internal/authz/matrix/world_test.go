package matrix_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/graph/gid"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/signatures"
)

// pngBytes is a 1x1 PNG.
var pngBytes, _ = base64.StdEncoding.DecodeString(
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

var pngBase64 = base64.StdEncoding.EncodeToString(pngBytes)

// person is a user of a world with the values only its readers may see.
type person struct {
	u                        *ent.User
	gid                      string
	fileID, sigID, credID    int
	fileGID, sigGID, credGID string
	// secrets by kind: email, login, username, first, last, file, sha, sigapp
	secrets map[string]string
}

// guardedBy says which scope shows a secret to a viewer allowed to read
// its owner: e-mail and login need email, names need personal.
var guardedBy = map[string]string{"email": "email", "login": "email", "first": "personal", "last": "personal"}

// actor is a column made real in one world: its Authorization header, its
// own user (nil for anonymous and the application alone) and its victim.
type actor struct {
	col       col
	env       *apptest.Env // the world's service, for a request a row makes first
	header    string
	self      *person
	spareGID  string // another first-party credential of self
	victim    *person
	link      string // download path for the column (see downloadLink)
	suffix    string // unique per actor in the world, for new e-mails
	newEmails int
}

// world is one database with an actor per column.
type world struct {
	env    *apptest.Env
	actors []*actor
	ghost  *person
	all    []*person
}

func randWord(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

// withOpenIDConnect sets SECRET_KEY: the public URL of the tests is not a
// loopback one, so without it OpenID Connect is off and its routes are not
// mounted (neither tested nor covered).
func withOpenIDConnect(c *app.Config) { c.Secret = "matrix-secret-0123456789abcdef0123" }

// newWorld builds the service on dbURL and one actor per column.
func newWorld(t testing.TB, dbURL string) *world {
	t.Helper()
	env := apptest.New(t, dbURL, func(c *app.Config) {
		c.APIRate = ratelimit.PerMinute(1_000_000, 1_000_000)
		c.LoginRate = ratelimit.PerMinute(1_000_000, 1_000_000)
		withOpenIDConnect(c)
	})
	w := &world{env: env}
	ctx := context.Background()
	apps := map[string]*ent.Application{}
	secrets := map[string]string{}
	for _, a := range []struct {
		key      string
		verified bool
		perms    []string
	}{
		{"rw", true, []string{"users:read", "users:write"}},
		{"rwUnverified", false, []string{"users:read", "users:write"}},
		{"none", true, nil},
	} {
		apps[a.key], secrets[a.key] = env.Application(t, "matrix-"+a.key, a.verified, a.perms...)
	}
	for i, c := range columns {
		a := &actor{col: c, env: env, suffix: fmt.Sprintf("c%d%s", i, randWord(6))}
		a.victim = w.person(t, "victim"+a.suffix, map[bool]userKind{true: administrator, false: plainUser}[c.victimAdmin], true)
		switch c.cred {
		case credAppAlone:
			app := apps["rw"]
			a.header = "Basic " + base64.StdEncoding.EncodeToString([]byte(app.ClientID+":"+secrets["rw"]))
		case credDead, credFirst, credApp:
			a.self = w.person(t, "viewer"+a.suffix, c.user, false)
			in := accounts.IssueInput{UserEmail: a.self.u.Email}
			if c.cred == credFirst && !c.hasAll(allScopes...) {
				in.Scopes = c.scopes
			}
			if c.cred == credApp {
				key := "rw"
				switch {
				case !c.verified:
					key = "rwUnverified"
				case !c.read && !c.write:
					key = "none"
				}
				in.AppID, in.Scopes, in.Consent = apps[key].ClientID, c.scopes, c.consented
			}
			tok, cred, err := env.Accounts.Issue(ctx, in)
			if err != nil {
				t.Fatalf("issuing token for %s: %v", c.key, err)
			}
			a.header = "Bearer " + tok
			_, spare, err := env.Accounts.Issue(ctx, accounts.IssueInput{UserEmail: a.self.u.Email})
			if err != nil {
				t.Fatal(err)
			}
			a.spareGID = gid.Encode(spare.ID)
			w.kill(t, c.dead, cred, a.self)
		}
		a.link = w.link(t, a)
		w.actors = append(w.actors, a)
	}
	w.ghost = &person{u: &ent.User{ID: 2_000_000_001, PublicID: "Gh0stZz9"}, gid: gid.Encode(2_000_000_001),
		fileID: 2_000_000_002, sigID: 2_000_000_003, credID: 2_000_000_004,
		fileGID: gid.Encode(2_000_000_002), sigGID: gid.Encode(2_000_000_003), credGID: gid.Encode(2_000_000_004)}
	return w
}

// person creates a user with distinctive private values, a user file, an
// avatar, a signature and a spare credential.
func (w *world) person(t testing.TB, tag string, kind userKind, withFile bool) *person {
	t.Helper()
	ctx := context.Background()
	p := &person{secrets: map[string]string{
		"email":    tag + "@example.com",
		"login":    "lg" + tag,
		"username": "un" + tag,
		"first":    "Fn" + tag,
		"last":     "Ln" + tag,
	}}
	in := accounts.CreateInput{Email: p.secrets["email"], Login: new(p.secrets["login"]), Username: new(p.secrets["username"]),
		FirstName: p.secrets["first"], LastName: p.secrets["last"]}
	switch kind {
	case manager:
		in.Privileges = []string{"manage_users"}
	case administrator:
		in.Role = new(user.RoleAdmin)
	}
	u, err := w.env.Accounts.Bootstrap(ctx, in)
	if err != nil {
		t.Fatalf("creating %s: %v", tag, err)
	}
	p.u, p.gid = u, gid.Encode(u.ID)
	own := &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
	if withFile {
		p.secrets["file"] = "fl" + tag + ".txt"
		f, err := w.env.Files.UploadUserFile(ctx, own, u.ID, files.Upload{Name: p.secrets["file"],
			Body: strings.NewReader("content of " + tag)}, files.UserFileInput{})
		if err != nil {
			t.Fatalf("uploading a file for %s: %v", tag, err)
		}
		p.fileID, p.fileGID, p.secrets["sha"] = f.ID, gid.Encode(f.ID), f.Sha256
		tmp, err := w.env.Files.UploadTemporary(ctx, own, files.Upload{Name: "av" + tag + ".png", Body: bytes.NewReader(pngBytes)})
		if err != nil {
			t.Fatalf("uploading an avatar for %s: %v", tag, err)
		}
		if _, err := w.env.Files.SetAvatar(ctx, own, u.ID, &tmp.ID); err != nil {
			t.Fatalf("setting the avatar of %s: %v", tag, err)
		}
		p.secrets["sigapp"] = "sa" + tag
		sigs, err := w.env.Signatures.ReplaceExternal(ctx, own, u.ID, p.secrets["sigapp"],
			[]signatures.Input{{Format: "png", Encoded: pngBase64}})
		if err != nil {
			t.Fatalf("signatures of %s: %v", tag, err)
		}
		p.sigID, p.sigGID = sigs[0].ID, gid.Encode(sigs[0].ID)
		_, cred, err := w.env.Accounts.Issue(ctx, accounts.IssueInput{UserEmail: u.Email})
		if err != nil {
			t.Fatal(err)
		}
		p.credID, p.credGID = cred.ID, gid.Encode(cred.ID)
	}
	w.all = append(w.all, p)
	return p
}

// kill makes a dead column's credential unusable the way its column says.
func (w *world) kill(t testing.TB, how string, cred *ent.Credential, self *person) {
	t.Helper()
	ctx := context.Background()
	c := w.env.Store.Client
	var err error
	switch how {
	case "revoked":
		err = c.Credential.UpdateOne(cred).SetRevokedAt(time.Now()).Exec(ctx)
	case "expired":
		err = c.Credential.UpdateOne(cred).SetExpiresAt(time.Now().Add(-time.Minute)).Exec(ctx)
	case "banned":
		err = c.User.UpdateOneID(self.u.ID).SetStatus(user.StatusBanned).Exec(ctx)
	}
	if err != nil {
		t.Fatalf("making a %s credential: %v", how, err)
	}
}

// link is the download path the column uses (see downloadLink): of the
// victim's file; for revoked, of a file since deleted; for expired, one past
// its lifetime; for banned, of the victim's file once the victim is banned.
func (w *world) link(t testing.TB, a *actor) string {
	t.Helper()
	ctx := context.Background()
	f, err := w.env.Store.Client.File.Get(ctx, a.victim.fileID)
	if err != nil {
		t.Fatal(err)
	}
	var u string
	switch a.col.dead {
	case "revoked":
		own := &auth.Viewer{User: a.victim.u, Scopes: auth.AllScopes, Consented: true}
		g, err := w.env.Files.UploadUserFile(ctx, own, a.victim.u.ID, files.Upload{Name: "gone.txt",
			Body: strings.NewReader("gone")}, files.UserFileInput{})
		if err != nil {
			t.Fatal(err)
		}
		u = w.env.Files.URL(g)
		if err := w.env.Files.DeleteUserFile(ctx, own, g.ID); err != nil {
			t.Fatal(err)
		}
	case "expired":
		u = w.env.Files.URLAt(f, time.Now().Add(-time.Minute))
	case "banned":
		// The column's victim is banned: its credentials are not used by
		// any other cell, and the column's viewer is dead anyway.
		u = w.env.Files.URL(f)
		if err := w.env.Store.Client.User.UpdateOneID(a.victim.u.ID).SetStatus(user.StatusBanned).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	default:
		u = w.env.Files.URL(f)
	}
	return strings.TrimPrefix(u, apptest.PublicURL)
}

// digest is the state of every table a request could change, by table,
// leaving out only when credentials were last used.
func (w *world) digest(t testing.TB) map[string]string {
	t.Helper()
	ctx := context.Background()
	c := w.env.Store.Client
	out := map[string]string{}
	enc := func(name string, v any, err error) {
		if err != nil {
			t.Fatalf("digest of %s: %v", name, err)
		}
		b, _ := json.Marshal(v)
		out[name] = string(b)
	}
	us, err := c.User.Query().Order(ent.Asc("id")).All(ctx)
	enc("users", us, err)
	fs, err := c.File.Query().Order(ent.Asc("id")).All(ctx)
	enc("files", fs, err)
	ss, err := c.Signature.Query().Order(ent.Asc("id")).All(ctx)
	enc("signatures", ss, err)
	cs, err := c.Credential.Query().Order(ent.Asc("id")).All(ctx)
	for _, cr := range cs {
		cr.LastUsedAt = nil
	}
	enc("credentials", cs, err)
	return out
}

// Requests.

func restRequest(method, path, header string, body any) *http.Request {
	r := apptest.Request(method, path, "", body)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	return r
}

func multipartRequest(path, header string, fields map[string]string, fileField, name string, content []byte) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, k := range []string{"operations", "map"} {
		if v, ok := fields[k]; ok {
			_ = mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(fileField, name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	r := restRequest(http.MethodPost, path, header, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func gqlRequest(header, query string) *http.Request {
	return restRequest(http.MethodPost, "/graphql", header, map[string]any{"query": query})
}

// gqlUpload sends query with its variable $file as a GraphQL multipart
// request.
func gqlUpload(header, query string) *http.Request {
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"file": nil}})
	return multipartRequest("/graphql", header, map[string]string{"operations": string(ops), "map": `{"0":["variables.file"]}`},
		"0", "matrix.png", pngBytes)
}
