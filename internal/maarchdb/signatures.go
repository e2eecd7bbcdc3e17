package maarchdb

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// resolve finds a user_signatures row's file the way Maarch builds its path
// (the docserver directory, then signature_path with '#' standing for '/',
// then signature_file_name, concatenated), confined to the docservers
// directory: a path that leaves it, lexically or through a symbolic link,
// is skipped and never opened.
func (r *Reader) resolve(id int64, dir, name string) (Signature, *Skipped) {
	skip := func(reason, detail string) (Signature, *Skipped) {
		return Signature{}, &Skipped{ID: id, Reason: reason, Detail: detail}
	}
	if strings.TrimSpace(name) == "" {
		return skip(SkipMissing, "the signature has no file name")
	}
	rel := strings.ReplaceAll(dir, "#", "/") + name
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return skip(SkipOutside, "the path "+quote(rel)+" leaves the docservers directory")
	}
	rel = filepath.Clean(filepath.FromSlash(rel))
	fi, err := r.root.Stat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return skip(SkipMissing, "no file at "+quote(rel))
	case err != nil:
		// os.Root refuses a link that leads outside with an error of its
		// own; the same path followed without confinement tells that case
		// apart from a file that is merely unreadable.
		if _, plain := os.Stat(filepath.Join(r.dir, rel)); plain == nil {
			return skip(SkipOutside, "the path "+quote(rel)+" leads outside the docservers directory")
		}
		return skip(SkipUnread, "cannot examine "+quote(rel))
	case !fi.Mode().IsRegular():
		return skip(SkipNotAFile, quote(rel)+" is not a regular file")
	}
	return Signature{Path: filepath.ToSlash(rel), Format: format(name)}, nil
}

// format is the file name's extension, as Maarch names stored files after
// their format.
func format(name string) string {
	return strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
}

// quote keeps a path from the database readable in a report, control
// characters included.
func quote(s string) string {
	const limit = 200
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return strconv.Quote(s)
}
