package importer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"userbridge/internal/apperr"
	"userbridge/internal/interchange"
)

// maxContent bounds any one content read, whatever it is: the largest of
// the service's bounds.
func (r *run) maxContent() int64 {
	l := r.im.Limits
	return max(l.MaxUpload, int64(l.MaxImageBytes), int64(l.MaxSignatureBytes))
}

// read returns a content's bytes: inline base64, or a file under the
// files folder. A path cannot leave that folder (os.Root refuses "..",
// absolute paths and symbolic links out of it), and a file is read only
// up to the largest bound plus one byte.
func (r *run) read(c interchange.Content) ([]byte, error) {
	switch {
	case c.Base64 != "" && c.Path != "":
		return nil, apperr.Invalidf("content", "ambiguous_content", "give path or base64, not both")
	case c.Base64 != "":
		if int64(len(c.Base64)) > (r.maxContent()+2)/3*4+4 {
			return nil, apperr.New(apperr.TooLarge, "too_large", "the content is larger than the service accepts")
		}
		data, err := decodeBase64(c.Base64)
		if err != nil {
			return nil, apperr.Invalidf("base64", "invalid_base64", "base64 is not valid")
		}
		return data, nil
	case c.Path != "":
		return r.readFile(c.Path)
	}
	return nil, apperr.Invalidf("content", "missing_content", "give path or base64")
}

func (r *run) readFile(path string) ([]byte, error) {
	if r.root == nil {
		return nil, apperr.Invalidf("path", "no_files_dir", "a path needs --files-dir")
	}
	f, err := r.root.Open(filepath.FromSlash(path))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, apperr.Invalidf("path", "missing_file", "%s does not exist under --files-dir", path)
		}
		return nil, apperr.Invalidf("path", "unreadable_file", "%s cannot be read under --files-dir", path)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, apperr.Invalidf("path", "unreadable_file", "%s is not a regular file", path)
	}
	limit := r.maxContent()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, apperr.Invalidf("path", "unreadable_file", "%s cannot be read", path)
	}
	if int64(len(data)) > limit {
		return nil, apperr.New(apperr.TooLarge, "too_large", fmt.Sprintf("%s is larger than the service accepts", path))
	}
	return data, nil
}
