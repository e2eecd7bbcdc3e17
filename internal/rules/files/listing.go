package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// eachBlob calls fn with the key and modification time of every blob of
// the bucket, stopping at fn's first error.
//
// A local folder is read here rather than through gocloud's fileblob,
// whose listing fails as a whole ("lstat ....tmp: no such file or
// directory") when an entry vanishes between reading the folder and
// looking at the entry, which every upload does when it renames its
// temporary file into place: under load a good share of the sweeper's
// passes aborted. An entry gone meanwhile is skipped; so is a folder.
// Keys are the paths under the folder, as fileblob names the blobs this
// service writes (random hex keys, their temporary files "KEY.N.tmp").
func (s *Service) eachBlob(ctx context.Context, fn func(key string, mod time.Time) error) error {
	if s.dir == "" {
		it := s.bucket.List(nil)
		for {
			obj, err := it.Next(ctx)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if !obj.IsDir {
				if err := fn(obj.Key, obj.ModTime); err != nil {
					return err
				}
			}
		}
	}
	return filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil && path != s.dir && errors.Is(err, fs.ErrNotExist):
			return nil // a folder removed meanwhile
		case err != nil:
			return err
		case ctx.Err() != nil:
			return ctx.Err()
		case d.IsDir():
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // renamed or removed since the folder was read
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel), info.ModTime())
	})
}

// pingDir checks that a local bucket's folder can be read, by its names
// alone: unlike fileblob's IsAccessible, which lists one entry and looks
// at it, an upload renaming its temporary file meanwhile cannot make the
// bucket "not accessible".
func pingDir(dir string) error {
	f, err := os.Open(dir) //nolint:gosec // G304: the bucket's own folder, from the service's configuration
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}
