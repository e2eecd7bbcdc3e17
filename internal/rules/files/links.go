package files

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/url"
	"strings"
	"time"

	"userbridge/ent"
)

// linkContext separates the MAC of download links from any other use of
// the secret.
const linkContext = "userbridge/files/link/v1\x00"

var (
	errBadLink     = errors.New("link tampered with")
	errExpiredLink = errors.New("link expired")
)

// URL returns an absolute, signed download link for f, valid for the link
// lifetime from now: PublicURL + "/files/" + signed part + "/" + the file's
// name, URL-escaped. The signed part is base64url, safe in a path segment.
func (s *Service) URL(f *ent.File) string {
	return s.URLAt(f, s.now().Add(s.cfg.LinkTTL))
}

// URLAt is URL with an explicit expiry.
func (s *Service) URLAt(f *ent.File, expires time.Time) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/files/" +
		s.sign(f.ID, expires) + "/" + url.PathEscape(f.Name)
}

// sign packs the file id and expiry (unix seconds) as uvarints, followed by
// HMAC-SHA256 over them, and encodes the lot as unpadded base64url.
func (s *Service) sign(id int, expires time.Time) string {
	msg := binary.AppendUvarint(nil, uint64(id))            //nolint:gosec // G115: entity ids are positive
	msg = binary.AppendUvarint(msg, uint64(expires.Unix())) //nolint:gosec // G115: an expiry is after 1970
	return base64.RawURLEncoding.EncodeToString(append(msg, s.mac(msg)...))
}

func (s *Service) mac(msg []byte) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(linkContext))
	m.Write(msg)
	return m.Sum(nil)
}

// verify returns the file id of a signed part. It answers errBadLink when
// the part was not made with this secret and errExpiredLink once expired.
func (s *Service) verify(signed string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(signed)
	if err != nil || len(raw) <= sha256.Size {
		return 0, errBadLink
	}
	msg, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if !hmac.Equal(sum, s.mac(msg)) {
		return 0, errBadLink
	}
	id, n := binary.Uvarint(msg)
	if n <= 0 {
		return 0, errBadLink
	}
	exp, m := binary.Uvarint(msg[n:])
	if m <= 0 || n+m != len(msg) || id > 1<<62 || exp > 1<<62 {
		return 0, errBadLink
	}
	if !s.now().Before(time.Unix(int64(exp), 0)) {
		return 0, errExpiredLink
	}
	return int(id), nil
}
