package passwords

import (
	"crypto/pbkdf2"
	"crypto/sha1" //nolint:gosec // G505: PBKDF2-HMAC-SHA1 is an imported legacy format, replaced at first sign-in
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
)

// pbkdf2Hash is a PBKDF2 hash in any of its spellings, stored in one:
// $pbkdf2-<digest>$i=<iterations>,l=<key length>$<salt>$<key>, with
// unpadded standard base64, as Auth0 and the PHC string format write it.
type pbkdf2Hash struct {
	digest     string // sha1, sha256, sha512
	iterations int
	salt, want []byte
}

var pbkdf2Digests = map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}

func (h pbkdf2Hash) String() string {
	return fmt.Sprintf("$pbkdf2-%s$i=%d,l=%d$%s$%s", h.digest, h.iterations, len(h.want), b64.EncodeToString(h.salt), b64.EncodeToString(h.want))
}

// blocks is how many times PBKDF2 runs its iterations: once per digest
// length of key asked for.
func (h pbkdf2Hash) blocks() int {
	size := pbkdf2Digests[h.digest]().Size()
	return (len(h.want) + size - 1) / size
}

func (h pbkdf2Hash) matches(password string) bool {
	return slot(func() bool {
		got, err := pbkdf2.Key(pbkdf2Digests[h.digest], password, h.salt, h.iterations, len(h.want))
		return err == nil && subtle.ConstantTimeCompare(got, h.want) == 1
	})
}

func (h pbkdf2Hash) check() error {
	switch {
	case h.iterations < 1:
		return malformed("pbkdf2: iterations must be positive")
	case len(h.salt) == 0:
		return malformed("pbkdf2: the salt is empty")
	case len(h.want) < 16 || len(h.want) > 64:
		return malformed("pbkdf2: the key must be 16 to 64 bytes")
	case h.iterations*h.blocks() > MaxPBKDF2Iterations:
		return tooCostly("pbkdf2: %d iterations (times %d blocks of key) is above the limit of %d",
			h.iterations, h.blocks(), MaxPBKDF2Iterations)
	}
	return nil
}

// parsePBKDF2String reads the spellings of a self-describing PBKDF2 hash:
//
//	$pbkdf2-sha256$i=29000,l=32$salt$key   PHC string (Auth0; "l" optional)
//	$pbkdf2-sha256$29000$salt$key          passlib ($pbkdf2$ is SHA-1; "." for "+")
//	pbkdf2_sha256$29000$salt$key           Django (salt as text, key in padded base64)
func parsePBKDF2String(s string) (pbkdf2Hash, error) {
	parts := strings.Split(s, "$")
	if len(parts) == 4 && strings.HasPrefix(parts[0], "pbkdf2_") {
		h := pbkdf2Hash{digest: strings.TrimPrefix(parts[0], "pbkdf2_"), salt: []byte(parts[2])}
		n, ok := number(parts[1])
		key, err := base64.StdEncoding.DecodeString(parts[3])
		if pbkdf2Digests[h.digest] == nil || !ok || err != nil {
			return pbkdf2Hash{}, malformed("pbkdf2: Django value must be pbkdf2_<sha1|sha256|sha512>$<iterations>$<salt>$<base64 key>")
		}
		h.iterations, h.want = n, key
		return h, h.check()
	}
	if len(parts) != 5 || parts[0] != "" || !strings.HasPrefix(parts[1], "pbkdf2") {
		return pbkdf2Hash{}, malformed("pbkdf2: value must be $pbkdf2-<digest>$i=<iterations>$<salt>$<key> or Django's pbkdf2_<digest>$...")
	}
	h := pbkdf2Hash{digest: "sha1"}
	if d, ok := strings.CutPrefix(parts[1], "pbkdf2-"); ok {
		h.digest = d
	} else if parts[1] != "pbkdf2" {
		h.digest = ""
	}
	if pbkdf2Digests[h.digest] == nil {
		return pbkdf2Hash{}, malformed("pbkdf2: digest must be sha1, sha256 or sha512")
	}
	var err1, err2 error
	h.salt, err1 = decodeB64(parts[3])
	h.want, err2 = decodeB64(parts[4])
	if err1 != nil || err2 != nil {
		return pbkdf2Hash{}, malformed("pbkdf2: salt and key must be base64")
	}
	if n, ok := number(parts[2]); ok {
		h.iterations = n
		return h, h.check()
	}
	params, ok := phcParams(parts[2], "i", "l")
	if !ok {
		params, ok = phcParams(parts[2], "i")
	}
	if !ok || (len(params) == 2 && params[1] != len(h.want)) {
		return pbkdf2Hash{}, malformed("pbkdf2: parameters must be i=<iterations>[,l=<key length>]")
	}
	h.iterations = params[0]
	return h, h.check()
}

func parsePBKDF2(s Spec, alg string) (Imported, error) {
	var h pbkdf2Hash
	if strings.HasPrefix(s.Value, "$pbkdf2") || strings.HasPrefix(s.Value, "pbkdf2_") {
		if err := noOptions(s, "pbkdf2"); err != nil {
			return Imported{}, err
		}
		var err error
		if h, err = parsePBKDF2String(s.Value); err != nil {
			return Imported{}, err
		}
		if alg != "pbkdf2" && alg != "pbkdf2-"+h.digest {
			return Imported{}, malformed("algorithm %s but the value is pbkdf2-%s", alg, h.digest)
		}
	} else {
		// The parts given apart: key in "value" (encoded per "encoding"),
		// salt as text, "iterations", digest in the algorithm's name.
		d, ok := strings.CutPrefix(alg, "pbkdf2-")
		if !ok || s.Iterations <= 0 || s.SaltPosition != "" {
			return Imported{}, malformed("pbkdf2: give a self-describing value, or algorithm pbkdf2-<digest> with value, salt and iterations")
		}
		key, err := decodeDigest(s.Value, s.Encoding)
		if err != nil {
			return Imported{}, err
		}
		h = pbkdf2Hash{digest: d, iterations: s.Iterations, salt: []byte(s.Salt), want: key}
		if err := h.check(); err != nil {
			return Imported{}, err
		}
	}
	return Imported{Stored: h.String(), Algorithm: "pbkdf2-" + h.digest}, nil
}
