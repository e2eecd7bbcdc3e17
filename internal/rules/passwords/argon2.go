package passwords

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The service's own argon2id cost: 7 MiB, 5 passes, 1 lane. The OWASP
// Password Storage Cheat Sheet lists it among its equivalent minimum
// settings (19 MiB/2 passes, 12 MiB/3, 9 MiB/4, 7 MiB/5: "an equal level
// of defense", trading memory for passes at the same CPU time). A server
// hashes for many clients at once within a memory budget, so it takes the
// least memory: the larger settings took bursts of account creations past
// the service's memory budget (bench/README.md, fixes 10 and 20). A stored
// hash carries its own parameters, so earlier hashes still verify, and
// Matches asks for them to be replaced.
const (
	argonTime    = 5
	argonMemory  = 7 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashSlots bounds how many hash computations run at once to the number of
// CPUs: each is CPU-bound (an argon2 one also holds its memory while it
// runs), and running more at once than there are CPUs adds memory, not
// throughput (bench/README.md, concurrent account creations).
var hashSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// slot runs fn within a hash slot.
func slot[T any](fn func() T) T {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return fn()
}

var b64 = base64.RawStdEncoding

// Hash returns the service's own hash of a password: argon2id in PHC
// string form, with a fresh random salt.
func Hash(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := slot(func() []byte {
		return argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	})
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// dummyHash is what a check compares against when there is nothing to
// compare with (no such person, no password, an unreadable hash): the
// same work as a real check, and never a match.
var dummyHash, _ = Hash("userbridge-timing-equalizer")

// argonHash is a parsed argon2 PHC string.
type argonHash struct {
	variant    string // argon2id or argon2i
	m, t       uint32
	p          uint8
	salt, want []byte
}

// parseArgonPHC reads $argon2id$v=19$m=M,t=T,p=P$salt$hash (argon2i
// alike). Only version 19 (0x13) exists in golang.org/x/crypto/argon2,
// and in every implementation since 2016.
func parseArgonPHC(s string) (argonHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || (parts[1] != "argon2id" && parts[1] != "argon2i") {
		return argonHash{}, malformed("argon2: not a PHC string $argon2id$v=19$m=...,t=...,p=...$salt$hash")
	}
	if parts[2] != "v=19" {
		return argonHash{}, malformed("argon2: version must be v=19")
	}
	h := argonHash{variant: parts[1]}
	params, ok := phcParams(parts[3], "m", "t", "p")
	if !ok || params[0] == 0 || params[1] == 0 || params[2] == 0 || params[2] > 255 || params[0] > math.MaxUint32 || params[1] > math.MaxUint32 {
		return argonHash{}, malformed("argon2: parameters must be m=<KiB>,t=<passes>,p=<lanes>")
	}
	h.m, h.t, h.p = uint32(params[0]), uint32(params[1]), uint8(params[2]) //nolint:gosec // G115: bounded just above
	if h.m < 8*uint32(h.p) {
		return argonHash{}, malformed("argon2: m must be at least 8 KiB per lane")
	}
	var err1, err2 error
	h.salt, err1 = decodeB64(parts[4])
	h.want, err2 = decodeB64(parts[5])
	if err1 != nil || err2 != nil || len(h.salt) < 8 || len(h.salt) > 64 || len(h.want) < 16 || len(h.want) > 64 {
		return argonHash{}, malformed("argon2: salt (8 to 64 bytes) and hash (16 to 64 bytes) must be base64")
	}
	return h, nil
}

// phcParams reads "a=1,b=2,c=3" with exactly the names given, in order.
func phcParams(s string, names ...string) ([]int, bool) {
	out := make([]int, 0, len(names))
	for f := range strings.SplitSeq(s, ",") {
		if len(out) == len(names) {
			return nil, false
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok || k != names[len(out)] {
			return nil, false
		}
		n, ok := number(v)
		if !ok {
			return nil, false
		}
		out = append(out, n)
	}
	return out, len(out) == len(names)
}

// number reads a decimal of at most 10 digits, without sign or leading zero.
func number(s string) (int, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// decodeB64 reads the unpadded standard base64 of PHC strings, also
// accepting padding and passlib's "." for "+".
func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.ReplaceAll(s, ".", "+"), "=")
	return b64.DecodeString(s)
}

func (h argonHash) key(password string) []byte {
	return slot(func() []byte {
		if h.variant == "argon2i" {
			return argon2.Key([]byte(password), h.salt, h.t, h.m, h.p, uint32(len(h.want))) //nolint:gosec // G115: at most 64
		}
		return argon2.IDKey([]byte(password), h.salt, h.t, h.m, h.p, uint32(len(h.want))) //nolint:gosec // G115: at most 64
	})
}

func (h argonHash) matches(password string) bool {
	return subtle.ConstantTimeCompare(h.key(password), h.want) == 1
}

// current reports whether h is the service's own hash with today's cost.
func (h argonHash) current() bool {
	return h.variant == "argon2id" && h.m == argonMemory && h.t == argonTime && h.p == argonThreads &&
		len(h.want) == argonKeyLen && len(h.salt) >= argonSaltLen
}

func (h argonHash) checkCost() error {
	switch {
	case h.m > MaxArgonMemory:
		return tooCostly("argon2: m=%d KiB is above the limit of %d KiB", h.m, MaxArgonMemory)
	case h.t > MaxArgonTime:
		return tooCostly("argon2: t=%d is above the limit of %d passes", h.t, MaxArgonTime)
	case uint64(h.m)*uint64(h.t) > MaxArgonWork:
		return tooCostly("argon2: m*t=%d KiB-passes is above the limit of %d", uint64(h.m)*uint64(h.t), MaxArgonWork)
	case h.p > MaxArgonLanes:
		return tooCostly("argon2: p=%d is above the limit of %d lanes", h.p, MaxArgonLanes)
	}
	return nil
}

func parseArgon(s Spec, alg string) (Imported, error) {
	if err := noOptions(s, "argon2"); err != nil {
		return Imported{}, err
	}
	h, err := parseArgonPHC(s.Value)
	if err != nil {
		return Imported{}, err
	}
	if alg != "argon2" && alg != h.variant {
		return Imported{}, malformed("algorithm %s but the value is %s", alg, h.variant)
	}
	if err := h.checkCost(); err != nil {
		return Imported{}, err
	}
	return Imported{Stored: s.Value, Algorithm: h.variant}, nil
}
