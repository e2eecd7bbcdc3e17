package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id cost: 7 MiB, 5 passes, 1 lane. The OWASP Password Storage Cheat
// Sheet lists it among its equivalent minimum settings (19 MiB/2 passes,
// 12 MiB/3, 9 MiB/4, 7 MiB/5: "an equal level of defense", trading memory
// for passes at the same CPU time). A server hashes for many clients at
// once within a memory budget, so it takes the least memory: the larger
// settings took bursts of account creations past the service's memory
// budget (bench/README.md, fixes 10 and 20). A stored hash carries its
// own parameters, so earlier hashes still verify.
const (
	argonTime    = 5
	argonMemory  = 7 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashSlots bounds how many argon2id computations run at once to the number
// of CPUs: each holds argonMemory while it runs, and running more at once
// than there are CPUs adds memory, not throughput (bench/README.md,
// concurrent account creations).
var hashSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// argonKey is argon2.IDKey within a slot.
func argonKey(password, salt []byte, t, m uint32, p uint8, n uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey(password, salt, t, m, p, n)
}

// HashPassword returns the argon2id hash of a password in PHC string form.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argonKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// dummyHash is compared against when the account does not exist, so that an
// unknown e-mail and a wrong password take the same time.
var dummyHash, _ = HashPassword("userbridge-timing-equalizer")

// CheckPassword reports whether password matches a stored hash. An empty
// hash (a user without a password) never matches, but costs the same time.
func CheckPassword(password, hash string) bool {
	if hash == "" {
		hash = dummyHash
		_ = verifyArgon(password, hash)
		return false
	}
	return verifyArgon(password, hash)
}

func verifyArgon(password, hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argonKey([]byte(password), salt, t, m, p, uint32(len(want))) //nolint:gosec // G115: the length of a stored hash, far below 2^32
	return subtle.ConstantTimeCompare(got, want) == 1
}
