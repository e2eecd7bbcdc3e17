package passwords

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"hash"
	"strconv"
	"strings"
)

// SHA-crypt ($5$ SHA-256, $6$ SHA-512) as Ulrich Drepper's specification
// "Unix crypt using SHA-256 and SHA-512" defines it (what glibc's crypt,
// `openssl passwd -5/-6` and `mkpasswd` write); golang.org/x/crypto has
// none. Step numbers in comments are the specification's.

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// defaultSHACryptRounds is the rounds when the string says none.
const defaultSHACryptRounds = 5000

type shaCrypt struct {
	id       string // "5" or "6"
	rounds   int
	explicit bool // "rounds=" was written, so it is part of the string
	salt     string
	want     string // the 43 or 86 characters after the salt
}

func (c shaCrypt) newHash() hash.Hash {
	if c.id == "5" {
		return sha256.New()
	}
	return sha512.New()
}

func (c shaCrypt) name() string {
	if c.id == "5" {
		return "sha256-crypt"
	}
	return "sha512-crypt"
}

// parseSHACryptString reads $5$[rounds=N$]salt$hash (and $6$).
func parseSHACryptString(s string) (shaCrypt, error) {
	parts := strings.Split(s, "$")
	if len(parts) < 4 || parts[0] != "" || (parts[1] != "5" && parts[1] != "6") {
		return shaCrypt{}, malformed("sha-crypt: value must be $5$ or $6$, [rounds=N$], salt and hash")
	}
	c := shaCrypt{id: parts[1], rounds: defaultSHACryptRounds}
	rest := parts[2:]
	if r, ok := strings.CutPrefix(rest[0], "rounds="); ok && len(rest) == 3 {
		n, ok := number(r)
		if !ok {
			return shaCrypt{}, malformed("sha-crypt: rounds must be a number")
		}
		c.rounds, c.explicit, rest = n, true, rest[1:]
	}
	if len(rest) != 2 {
		return shaCrypt{}, malformed("sha-crypt: value must be $%s$, [rounds=N$], salt and hash", c.id)
	}
	c.salt, c.want = rest[0], rest[1]
	size := 43
	if c.id == "6" {
		size = 86
	}
	if len(c.salt) > 16 || strings.ContainsAny(c.salt, ":\n") || len(c.want) != size || strings.Trim(c.want, cryptAlphabet) != "" {
		return shaCrypt{}, malformed("sha-crypt: salt of at most 16 characters, hash of %d characters of ./0-9A-Za-z", size)
	}
	// A conforming implementation writes the rounds it used, within
	// the specification's bounds: anything else was not written by one.
	if c.rounds < MinSHACryptRounds {
		return shaCrypt{}, malformed("sha-crypt: rounds below %d", MinSHACryptRounds)
	}
	return c, nil
}

func parseSHACrypt(s Spec, alg string) (Imported, error) {
	if err := noOptions(s, alg); err != nil {
		return Imported{}, err
	}
	c, err := parseSHACryptString(s.Value)
	if err != nil {
		return Imported{}, err
	}
	if c.name() != alg {
		return Imported{}, malformed("algorithm %s but the value is %s", alg, c.name())
	}
	if c.rounds > MaxSHACryptRounds {
		return Imported{}, tooCostly("%s: %d rounds is above the limit of %d", alg, c.rounds, MaxSHACryptRounds)
	}
	return Imported{Stored: s.Value, Algorithm: alg}, nil
}

func (c shaCrypt) matches(password string) bool {
	got := slot(func() string { return c.sum([]byte(password)) })
	return subtle.ConstantTimeCompare([]byte(got), []byte(c.want)) == 1
}

// sum computes the hash part of the string for a password.
func (c shaCrypt) sum(pw []byte) string {
	salt := []byte(c.salt)
	// Steps 4-8: digest B = H(password, salt, password).
	b := c.newHash()
	b.Write(pw)
	b.Write(salt)
	b.Write(pw)
	sumB := b.Sum(nil)
	size := len(sumB)
	// Steps 1-3, 9-12: digest A.
	a := c.newHash()
	a.Write(pw)
	a.Write(salt)
	n := len(pw)
	for ; n > size; n -= size {
		a.Write(sumB)
	}
	a.Write(sumB[:n])
	for n = len(pw); n > 0; n >>= 1 {
		if n&1 != 0 {
			a.Write(sumB)
		} else {
			a.Write(pw)
		}
	}
	sumA := a.Sum(nil)
	// Steps 13-16: byte sequence P from digest DP.
	dp := c.newHash()
	for range len(pw) {
		dp.Write(pw)
	}
	p := repeatTo(dp.Sum(nil), len(pw))
	// Steps 17-20: byte sequence S from digest DS.
	ds := c.newHash()
	for range 16 + int(sumA[0]) {
		ds.Write(salt)
	}
	sSeq := repeatTo(ds.Sum(nil), len(salt))
	// Step 21: the rounds.
	cur := sumA
	for i := range c.rounds {
		h := c.newHash()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(cur)
		}
		if i%3 != 0 {
			h.Write(sSeq)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(cur)
		} else {
			h.Write(p)
		}
		cur = h.Sum(cur[:0])
	}
	return c.encode(cur)
}

// repeatTo returns digest repeated to n bytes (steps 16 and 20).
func repeatTo(digest []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, digest[:min(len(digest), n-len(out))]...)
	}
	return out
}

// Step 22: the final digest's bytes in the specification's order, each
// group of three as four characters, least significant bits first.
var (
	sha256Order = [][3]int{{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14},
		{15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29}}
	sha512Order = [][3]int{{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4},
		{47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10},
		{53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35}, {15, 36, 57}, {37, 58, 16},
		{59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41}}
)

func (c shaCrypt) encode(d []byte) string {
	var sb strings.Builder
	put := func(b2, b1, b0 byte, n int) {
		w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
		for range n {
			sb.WriteByte(cryptAlphabet[w&0x3f])
			w >>= 6
		}
	}
	if c.id == "5" {
		for _, g := range sha256Order {
			put(d[g[0]], d[g[1]], d[g[2]], 4)
		}
		put(0, d[31], d[30], 3)
	} else {
		for _, g := range sha512Order {
			put(d[g[0]], d[g[1]], d[g[2]], 4)
		}
		put(0, 0, d[63], 2)
	}
	return sb.String()
}

// String is the full crypt string (used by tests to compare with tools).
func (c shaCrypt) String() string {
	s := "$" + c.id + "$"
	if c.explicit {
		s += "rounds=" + strconv.Itoa(c.rounds) + "$"
	}
	return s + c.salt + "$" + c.want
}
