package files

import (
	"context"
	"io"
	"time"

	"userbridge/ent"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/imagedata"
)

// MaxAvatarFileBytes bounds a temporary file adopted as an avatar: it is
// read whole and decoded (imagedata.Check) before it is adopted, and a
// photo within imagedata.MaxPixels fits well within it.
const MaxAvatarFileBytes = 16 << 20

// checkAvatarImage reads f's blob and checks it is one whole image
// (imagedata.Check: at least 1x1, within the pixel budget, nothing after
// its end): a file sniffed as image/png from its first bytes may be
// anything after them.
// Returns invalid with reason invalid_avatar, or internal when the blob
// cannot be read.
func (s *Service) checkAvatarImage(ctx context.Context, f *ent.File) error {
	if f.Size > MaxAvatarFileBytes {
		return invalidAvatar()
	}
	start := time.Now()
	rd, err := s.bucket.NewReader(ctx, f.StorageKey, nil)
	s.cfg.ObserveStorage("open", time.Since(start), err)
	if isNotFound(err) {
		return invalidAvatar()
	}
	if err != nil {
		return apperr.Wrap(err, "opening avatar blob")
	}
	defer rd.Close()
	data, err := io.ReadAll(io.LimitReader(rd, MaxAvatarFileBytes+1))
	if err != nil {
		return apperr.Wrap(err, "reading avatar blob")
	}
	if _, err := imagedata.Check(data, ""); err != nil {
		return invalidAvatar()
	}
	return nil
}
