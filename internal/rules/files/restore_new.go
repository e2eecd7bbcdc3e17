package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"

	"entgo.io/ent/dialect/sql"
	"gocloud.dev/blob"

	"userbridge/ent"
	"userbridge/ent/file"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/store/db"
)

// NewBlobs are the blobs of files whose rows an import inserts later in
// its transaction (WriteNew, then RestoreNew): writing them while the
// transaction creates their owners overlaps the two.
type NewBlobs struct {
	in      []RestoreInput
	st      []*stored
	err     error
	done    chan struct{}
	adopted bool
}

// restoreWriters bounds the blob writes WriteNew runs at once: enough to
// overlap a bucket's latency, few enough that the parts an S3 writer
// buffers stay a bounded few.
const restoreWriters = 4

// WriteNew starts writing the blobs of in (checked by the caller, as for
// Restore) in the background. The caller hands the result to RestoreNew,
// and calls Discard in any case (it removes the blobs unless RestoreNew
// took them).
func (s *Service) WriteNew(ctx context.Context, in []RestoreInput) *NewBlobs {
	b := &NewBlobs{in: in, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.st, b.err = s.putAll(ctx, in)
	}()
	return b
}

// Discard waits for the blobs and removes them unless RestoreNew took
// them.
func (s *Service) Discard(b *NewBlobs) {
	<-b.done
	if b.adopted || b.err != nil {
		return
	}
	keys := make([]string, len(b.st))
	for i := range b.st {
		keys[i] = b.st[i].key
	}
	s.RemoveBlobs(context.Background(), keys)
}

// RestoreNew is Restore for the files WriteNew wrote, of people an import
// creates in the transaction ctx carries, who hold no file yet (owners[i]
// owns b's i-th file): the rows are inserted in one statement and the
// avatars set in one more, so that a batch of people costs a few
// statements whatever its size. Nothing is evicted: each owner's user
// files of one nature must fit the quota, and an owner has at most one
// avatar (invalid otherwise). Every blob goes if the transaction does not
// commit, as with Restore. Returns the rows in the order of b's files; too
// large past the upload bound, invalid for an unknown nature.
func (s *Service) RestoreNew(ctx context.Context, b *NewBlobs, owners []int) ([]*ent.File, error) {
	<-b.done
	if b.err != nil {
		return nil, b.err
	}
	if len(b.in) == 0 {
		return nil, nil
	}
	type slot struct {
		owner  int
		nature file.Nature
	}
	count := map[slot]int{}
	avatars := map[int]bool{}
	in := make([]ownedFile, len(b.in))
	for i := range b.in {
		f := &in[i]
		f.OwnerID, f.RestoreInput = owners[i], b.in[i]
		if f.Nature == "" {
			f.Nature = file.NatureManual
		}
		if file.NatureValidator(f.Nature) != nil {
			return nil, apperr.Invalidf("nature", ReasonInvalidNature, "nature must be manual or auto")
		}
		if f.Avatar {
			if avatars[f.OwnerID] {
				return nil, apperr.Invalidf("avatar", "two_avatars", "one avatar per person")
			}
			avatars[f.OwnerID] = true
			continue
		}
		if count[slot{f.OwnerID, f.Nature}]++; count[slot{f.OwnerID, f.Nature}] > s.cfg.Quota {
			return nil, apperr.Invalidf("files", "quota", "more files of one nature than the quota keeps")
		}
	}
	st := b.st
	keys := make([]string, len(st))
	for i := range st {
		keys[i] = st[i].key
	}
	var out []*ent.File
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		db.Finally(tx, nil, func() { s.RemoveBlobs(context.WithoutCancel(ctx), keys) })
		b.adopted = true
		var err error
		if out, err = s.insertNew(ctx, tx, in, st); err != nil {
			return err
		}
		return s.setAvatars(ctx, tx, in, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ownedFile is one file RestoreNew inserts, with its owner.
type ownedFile struct {
	OwnerID int
	RestoreInput
}

// putAll writes every blob, restoreWriters at a time. On a failure the
// blobs already written are removed.
func (s *Service) putAll(ctx context.Context, in []RestoreInput) ([]*stored, error) {
	st := make([]*stored, len(in))
	errs := make([]error, len(in))
	sem := make(chan struct{}, restoreWriters)
	var wg sync.WaitGroup
	for i := range in {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			st[i], errs[i] = s.putBytes(ctx, in[i].Name, in[i].Data)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		var written []string
		for _, x := range st {
			if x != nil {
				written = append(written, x.key)
			}
		}
		s.RemoveBlobs(context.WithoutCancel(ctx), written)
		for _, e := range errs {
			if e != nil {
				return nil, e
			}
		}
	}
	return st, nil
}

// putBytes is put for bytes already in memory: one write of known size,
// without the streaming buffers an upload of unknown size needs.
func (s *Service) putBytes(ctx context.Context, name string, data []byte) (*stored, error) {
	if int64(len(data)) > s.cfg.MaxUpload {
		return nil, tooLarge()
	}
	sum := sha256.Sum256(data)
	st := &stored{key: newKey(), name: SanitizeName(name), contentType: http.DetectContentType(data),
		size: int64(len(data)), sha256: hex.EncodeToString(sum[:])}
	st.fileType = FileType(st.name)
	start := time.Now()
	err := s.bucket.WriteAll(ctx, st.key, data, &blob.WriterOptions{ContentType: st.contentType})
	s.cfg.ObserveStorage("write", time.Since(start), err)
	if err != nil {
		s.discard(ctx, st.key)
		return nil, apperr.Wrap(err, "writing blob")
	}
	return st, nil
}

// insertNew inserts the rows: one statement for those with a kept primary
// key, one for the others (a batch insert takes ids for all or for none).
func (s *Service) insertNew(ctx context.Context, tx *ent.Tx, in []ownedFile, st []*stored) ([]*ent.File, error) {
	out := make([]*ent.File, len(in))
	for _, withID := range []bool{true, false} {
		var idx []int
		var creates []*ent.FileCreate
		for i, f := range in {
			if (f.ID != nil) != withID {
				continue
			}
			name := st[i].name
			if f.Name != "" && !f.Avatar {
				name = SanitizeName(f.Name)
			}
			c := tx.File.Create().SetOwnerID(f.OwnerID).SetName(name).
				SetContentType(st[i].contentType).SetFileType(st[i].fileType).
				SetSize(st[i].size).SetSha256(st[i].sha256).SetStorageKey(st[i].key).
				SetCreatedAt(f.CreatedAt)
			if f.ID != nil {
				c.SetID(*f.ID)
			}
			if f.Avatar {
				c.SetKind(file.KindAvatar)
			} else {
				c.SetKind(file.KindUserFile).SetNature(f.Nature)
			}
			idx = append(idx, i)
			creates = append(creates, c)
		}
		if len(creates) == 0 {
			continue
		}
		rows, err := tx.File.CreateBulk(creates...).Save(ctx)
		if err != nil {
			return nil, apperr.Classify(err)
		}
		for j, i := range idx {
			out[i] = rows[j]
		}
	}
	return out, nil
}

// setAvatars points each owner at their avatar in one UPDATE ... CASE.
// It leaves updated_at alone: the import sets it from its source.
func (s *Service) setAvatars(ctx context.Context, tx *ent.Tx, in []ownedFile, rows []*ent.File) error {
	var owners []any
	var pairs [][2]int
	for i, f := range in {
		if f.Avatar {
			owners = append(owners, f.OwnerID)
			pairs = append(pairs, [2]int{f.OwnerID, rows[i].ID})
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	c := tx.Client()
	set := sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("CASE ").Ident(user.FieldID)
		for _, p := range pairs {
			// PostgreSQL types a bare parameter in a CASE as text.
			b.WriteString(" WHEN ").Arg(p[0]).WriteString(" THEN CAST(").Arg(p[1]).WriteString(" AS BIGINT)")
		}
		b.WriteString(" END")
	})
	q, args := sql.Dialect(c.Dialect()).Update(user.Table).Set(user.FieldAvatarID, set).
		Where(sql.In(user.FieldID, owners...)).Query()
	if err := c.ExecSQL(ctx, q, args...); err != nil {
		return apperr.Wrap(err, "setting avatars")
	}
	return nil
}
