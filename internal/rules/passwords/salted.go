package passwords

import (
	"crypto/md5"  //nolint:gosec // G501: imported legacy hashes, replaced at first sign-in
	"crypto/sha1" //nolint:gosec // G505: idem
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// saltedPrefix starts the stored form of a salted digest, a PHC-like
// string of this package (no standard spells these):
// $salted-<digest>$p=<prefix|suffix>$<salt>$<digest>, unpadded base64.
const saltedPrefix = "$salted-"

var saltedDigests = map[string]func() hash.Hash{"md5": md5.New, "sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}

type saltedHash struct {
	digest   string
	position string // prefix: digest(salt + password); suffix: digest(password + salt)
	salt     []byte
	want     []byte
}

func (h saltedHash) String() string {
	return fmt.Sprintf("%s%s$p=%s$%s$%s", saltedPrefix, h.digest, h.position, b64.EncodeToString(h.salt), b64.EncodeToString(h.want))
}

func (h saltedHash) matches(password string) bool {
	d := saltedDigests[h.digest]()
	if h.position == "prefix" {
		d.Write(h.salt)
		d.Write([]byte(password))
	} else {
		d.Write([]byte(password))
		d.Write(h.salt)
	}
	return subtle.ConstantTimeCompare(d.Sum(nil), h.want) == 1
}

func (h saltedHash) check() error {
	if saltedDigests[h.digest] == nil {
		return malformed("unknown digest %q", h.digest)
	}
	if h.position != "prefix" && h.position != "suffix" {
		return malformed("%s: salt_position must be prefix or suffix", h.digest)
	}
	if size := saltedDigests[h.digest]().Size(); len(h.want) != size {
		return malformed("%s: the digest must be %d bytes", h.digest, size)
	}
	return nil
}

func parseSaltedString(s string) (saltedHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 5 || parts[0] != "" || !strings.HasPrefix(parts[1], "salted-") || !strings.HasPrefix(parts[2], "p=") {
		return saltedHash{}, malformed("not a salted digest")
	}
	h := saltedHash{digest: strings.TrimPrefix(parts[1], "salted-"), position: strings.TrimPrefix(parts[2], "p=")}
	var err1, err2 error
	h.salt, err1 = b64.DecodeString(parts[3])
	h.want, err2 = b64.DecodeString(parts[4])
	if err1 != nil || err2 != nil {
		return saltedHash{}, malformed("salted digest: bad base64")
	}
	return h, h.check()
}

// saltedSpec is the Spec a stored salted digest was imported from (its
// digest in hex).
func saltedSpec(stored string) (*Spec, bool) {
	h, err := parseSaltedString(stored)
	if err != nil {
		return nil, false
	}
	s := &Spec{Algorithm: h.digest, Value: hex.EncodeToString(h.want), Salt: string(h.salt), Encoding: "hex"}
	if len(h.salt) > 0 {
		s.SaltPosition = h.position
	}
	return s, true
}

// decodeDigest reads a digest in hex (the default) or base64 (standard
// alphabet, padded or not).
func decodeDigest(value, encoding string) ([]byte, error) {
	switch strings.ToLower(encoding) {
	case "", "hex":
		b, err := hex.DecodeString(value)
		if err != nil {
			return nil, malformed("value is not hex")
		}
		return b, nil
	case "base64":
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(value, "="))
		if err != nil {
			return nil, malformed("value is not base64")
		}
		return b, nil
	}
	return nil, malformed("encoding must be hex or base64")
}

// parseSalted reads a bare digest of the password and its salt: weak (one
// fast digest), accepted so that people keep their password, and replaced
// at the first sign-in like every imported hash.
func parseSalted(s Spec, alg string) (Imported, error) {
	if s.Iterations > 1 {
		return Imported{}, malformed("%s: iterations do not apply to a salted digest", alg)
	}
	pos := strings.ToLower(s.SaltPosition)
	switch {
	case pos == "" && s.Salt == "":
		pos = "suffix" // no salt: either position is the bare digest
	case pos == "":
		return Imported{}, malformed("%s: salt_position (prefix or suffix) is required with a salt", alg)
	}
	want, err := decodeDigest(s.Value, s.Encoding)
	if err != nil {
		return Imported{}, err
	}
	h := saltedHash{digest: alg, position: pos, salt: []byte(s.Salt), want: want}
	if err := h.check(); err != nil {
		return Imported{}, err
	}
	return Imported{Stored: h.String(), Algorithm: alg, Weak: true}, nil
}
