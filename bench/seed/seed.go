// Package seed fills a fresh userbridge database with the benchmark's data
// set, fast: users, avatars and user files are inserted in bulk through ent
// (so hooks, defaults and id ranges are the service's own), and every file
// row gets a small real blob in the storage folder, under the key the row
// names (the service's sweeper removes blobs no row names).
package seed

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"entgo.io/ent/dialect"

	"userbridge/ent"
	"userbridge/ent/credential"
	"userbridge/ent/file"
	"userbridge/ent/user"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db"
)

// Options shape the data set.
type Options struct {
	Users      int     // total users, the administrator included
	FileShare  float64 // share of users with an avatar and 1 to 3 user files
	RestShare  float64 // share of rest-mode (technical) users, hidden from the Maarch list
	StorageDir string  // local blob folder (file:// storage)
	// Writers is how many plain users, from user 4 on, get an API key of
	// their own: the cheap writes spread over users, one per connection.
	Writers int
}

// Writer is a plain user with a first-party API key of its own.
type Writer struct {
	Token string
	ID    int
	Pub   string // public id
}

// Result is what the benchmark needs to address the data set.
type Result struct {
	AdminToken  string // first-party API key of user 1, an administrator
	ViewerToken string // first-party API key of user 2, a plain user with an avatar and files
	UploadToken string // first-party API key of user 3, who receives the uploads
	ViewerID    int
	ViewerPub   string // public id of user 2
	Writers     []Writer
	Users       int
	Files       int
	Took        time.Duration
}

var firstNames = []string{"Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules",
	"Karim", "Léa", "Mathis", "Nora", "Oscar", "Paul", "Rose", "Sami", "Tom", "Zoé"}
var lastNames = []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
	"Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"}

// pngBlob is a real 1x1 PNG: avatars are images.
var pngBlob, _ = hex.DecodeString("89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
	"1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e221bc330000000049454e44ae426082")

// Run seeds an empty, migrated database at url. It is deterministic but for
// the random public ids and tokens.
func Run(ctx context.Context, url string, o Options) (*Result, error) {
	start := time.Now()
	store, err := db.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return nil, err
	}
	c := store.Client
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 500
	for lo := 1; lo <= o.Users; lo += batch {
		hi := min(lo+batch-1, o.Users)
		err := db.WithTx(ctx, c, func(tx *ent.Tx) error {
			bulk := make([]*ent.UserCreate, 0, hi-lo+1)
			for i := lo; i <= hi; i++ {
				name := fmt.Sprintf("user%06d", i)
				uc := tx.User.Create().
					SetEmail(name + "@bench.example").SetUsername(name).SetLogin(name).
					SetFirstName(firstNames[rng.IntN(len(firstNames))]).
					SetLastName(lastNames[rng.IntN(len(lastNames))]).
					SetVerified(i%3 == 0).
					SetCreatedAt(base.Add(time.Duration(i) * time.Second).Add(time.Duration(i%1000) * time.Millisecond)).
					SetUpdatedAt(base.Add(time.Duration(i) * time.Minute))
				if i == 1 {
					uc.SetRole(user.RoleAdmin)
				} else if i > 3 && rng.Float64() < o.RestShare {
					uc.SetMode(user.ModeRest)
				}
				bulk = append(bulk, uc)
			}
			_, err := tx.User.CreateBulk(bulk...).Save(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("seeding users %d-%d: %w", lo, hi, err)
		}
	}
	nfiles, err := seedFiles(ctx, c, o, rng, base)
	if err != nil {
		return nil, err
	}
	res := &Result{Users: o.Users, Files: nfiles}
	if res.AdminToken, err = token(ctx, c, 1); err != nil {
		return nil, err
	}
	if res.ViewerToken, err = token(ctx, c, 2); err != nil {
		return nil, err
	}
	if res.UploadToken, err = token(ctx, c, 3); err != nil {
		return nil, err
	}
	v := c.User.GetX(ctx, 2)
	res.ViewerID, res.ViewerPub = v.ID, v.PublicID
	if res.Writers, err = writers(ctx, c, o.Writers); err != nil {
		return nil, err
	}
	// PostgreSQL plans from statistics its autovacuum gathers a while after
	// a bulk load; without them it scanned the whole files table for a
	// page's file counts (bench/README.md, the depth test). Gather
	// them now, as a database in service would have them. SQLite gathers
	// none unless told, in service too, so it is left as it is.
	if store.Dialect == dialect.Postgres {
		if err := analyze(ctx, url); err != nil {
			return nil, fmt.Errorf("analyze: %w", err)
		}
	}
	res.Took = time.Since(start)
	return res, nil
}

// seedFiles gives users 2 and 3 and a share of the others an avatar and 1
// to 3 user files, each with its blob.
func seedFiles(ctx context.Context, c *ent.Client, o Options, rng *rand.Rand, base time.Time) (int, error) {
	if err := os.MkdirAll(o.StorageDir, 0o750); err != nil {
		return 0, err
	}
	type owned struct {
		owner    int
		avatarAt int // index into the batch of the avatar row
	}
	n := 0
	const batch = 300
	var (
		creates []func(*ent.FileCreate)
		owners  []owned
	)
	flush := func() error {
		if len(creates) == 0 {
			return nil
		}
		err := db.WithTx(ctx, c, func(tx *ent.Tx) error {
			bulk := make([]*ent.FileCreate, len(creates))
			for i, set := range creates {
				bulk[i] = tx.File.Create()
				set(bulk[i])
			}
			fs, err := tx.File.CreateBulk(bulk...).Save(ctx)
			if err != nil {
				return err
			}
			for _, ow := range owners {
				if err := tx.User.UpdateOneID(ow.owner).SetAvatarID(fs[ow.avatarAt].ID).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		creates, owners = creates[:0], owners[:0]
		return err
	}
	blob := func(data []byte) (key, sum string, err error) {
		h := sha256.Sum256(data)
		var k [16]byte
		for i := range k {
			k[i] = byte(rng.UintN(256))
		}
		key = hex.EncodeToString(k[:])
		return key, hex.EncodeToString(h[:]), os.WriteFile(filepath.Join(o.StorageDir, key), data, 0o640)
	}
	for id := 2; id <= o.Users; id++ {
		if id > 3 && rng.Float64() >= o.FileShare {
			continue
		}
		at := base.Add(time.Duration(id) * time.Second)
		key, sum, err := blob(pngBlob)
		if err != nil {
			return n, err
		}
		owners = append(owners, owned{owner: id, avatarAt: len(creates)})
		creates = append(creates, func(fc *ent.FileCreate) {
			fc.SetOwnerID(id).SetKind(file.KindAvatar).
				SetName("avatar.png").SetContentType("image/png").SetFileType("png").
				SetSize(int64(len(pngBlob))).SetSha256(sum).SetStorageKey(key).SetCreatedAt(at)
		})
		n++
		for k := range 1 + rng.IntN(3) {
			data := fmt.Appendf(nil, `{"user":%d,"file":%d}`, id, k)
			key, sum, err := blob(data)
			if err != nil {
				return n, err
			}
			creates = append(creates, func(fc *ent.FileCreate) {
				fc.SetOwnerID(id).SetKind(file.KindUserFile).
					SetName(fmt.Sprintf("notes_%d.json", k)).SetContentType("text/plain; charset=utf-8").
					SetFileType("json").SetSize(int64(len(data))).SetSha256(sum).SetStorageKey(key).
					SetCreatedAt(at.Add(time.Duration(k+1) * time.Millisecond))
			})
			n++
		}
		if len(creates) >= batch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}

// writers mints an API key for each of the first n plain users from
// user 4 on (users 1 to 3 are the administrator, the viewer and the
// uploads' owner; rest-mode users are skipped).
func writers(ctx context.Context, c *ent.Client, n int) ([]Writer, error) {
	if n <= 0 {
		return nil, nil
	}
	us, err := c.User.Query().Where(user.IDGTE(4), user.ModeNEQ(user.ModeRest)).
		Order(ent.Asc(user.FieldID)).Limit(n).All(ctx)
	if err != nil {
		return nil, err
	}
	ws := make([]Writer, 0, len(us))
	for _, u := range us {
		tok, err := token(ctx, c, u.ID)
		if err != nil {
			return nil, err
		}
		ws = append(ws, Writer{Token: tok, ID: u.ID, Pub: u.PublicID})
	}
	return ws, nil
}

// token mints a first-party API key (every scope, consented) for a user.
func token(ctx context.Context, c *ent.Client, userID int) (string, error) {
	tok, hash := auth.NewToken(credential.KindAPIKey)
	_, err := c.Credential.Create().SetTokenHash(hash).SetKind(credential.KindAPIKey).
		SetScopes(auth.AllScopes).SetConsented(true).SetUserID(userID).Save(ctx)
	return tok, err
}

// analyze runs ANALYZE on the PostgreSQL database at url, and VACUUM on
// the users and their files: right after a bulk load no page is marked
// all-visible yet, so the planner prices an index-only scan as if it read
// the table too and prefers a sequential scan of files for a page's
// `owner_id IN (...)` (bench/README.md, fix 22); autovacuum would mark
// them a while later in a database in service.
func analyze(ctx context.Context, url string) error {
	conn, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err = conn.ExecContext(ctx, "VACUUM users, files"); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "ANALYZE")
	return err
}
