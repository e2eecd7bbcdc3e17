package passwords

import (
	"golang.org/x/crypto/bcrypt"
)

// bcryptAlphabet is bcrypt's own base64 alphabet.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// parseBcryptString checks $2a$, $2b$ or $2y$, a two-digit cost and 53
// characters of salt and hash, and returns the cost. $2y$ is PHP's name
// for the same algorithm as $2b$ (crypt_blowfish's fix of $2a$'s
// sign-extension bug, which never touched ASCII passwords).
func parseBcryptString(s string) (int, error) {
	if len(s) != 60 || s[0] != '$' || s[1] != '2' || (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') || s[3] != '$' || s[6] != '$' {
		return 0, malformed("bcrypt: value must be $2a$, $2b$ or $2y$, a two-digit cost and 53 characters")
	}
	cost, ok := number(s[4:6])
	if !ok && s[4] == '0' {
		cost, ok = number(s[5:6])
	}
	if !ok || cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return 0, malformed("bcrypt: cost must be %d to %d", bcrypt.MinCost, bcrypt.MaxCost)
	}
	for i := 7; i < len(s); i++ {
		if !containsByte(bcryptAlphabet, s[i]) {
			return 0, malformed("bcrypt: salt and hash use ./A-Za-z0-9 only")
		}
	}
	return cost, nil
}

func containsByte(set string, c byte) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}

func parseBcrypt(s Spec) (Imported, error) {
	if err := noOptions(s, "bcrypt"); err != nil {
		return Imported{}, err
	}
	cost, err := parseBcryptString(s.Value)
	if err != nil {
		return Imported{}, err
	}
	if cost > MaxBcryptCost {
		return Imported{}, tooCostly("bcrypt: cost %d is above the limit of %d", cost, MaxBcryptCost)
	}
	return Imported{Stored: s.Value, Algorithm: "bcrypt"}, nil
}

// bcryptMatches compares in constant time (bcrypt.CompareHashAndPassword
// does). Bytes past the 72nd are ignored, as by every bcrypt.
func bcryptMatches(stored, password string) bool {
	return slot(func() bool {
		return bcrypt.CompareHashAndPassword([]byte(stored), []byte(password)) == nil
	})
}
