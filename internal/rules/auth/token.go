package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"

	"userbridge/ent/credential"
	"userbridge/internal/randid"
)

// TokenBodyLen is the number of random characters in a token: 43 characters
// of a 62-letter alphabet carry 256 bits.
const TokenBodyLen = 43

// tokenPrefixes make a token's kind readable (and greppable in leaked logs).
var tokenPrefixes = map[credential.Kind]string{
	credential.KindAccessToken:  "uba_",
	credential.KindRefreshToken: "ubr_",
	credential.KindAPIKey:       "ubk_",
}

// NewToken returns a fresh token of a kind and the hash to store. The token
// itself is shown once and never stored.
func NewToken(kind credential.Kind) (token, hash string) {
	token = tokenPrefixes[kind] + randid.String(TokenBodyLen)
	return token, HashSecret(token)
}

// HashSecret returns the hex SHA-256 of a high-entropy secret (token or
// application secret). Such secrets need no slow hash: guessing is hopeless.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// SecretMatches compares a presented secret with a stored hash in constant time.
func SecretMatches(secret, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(hash)) == 1
}

// wellFormedToken reports whether s could be a token at all, so garbage is
// refused without a database round trip: one the service issued, or one a
// legacy client held before the move (ImportedTokenHash).
func wellFormedToken(s string) bool {
	return len(s) >= MinImportedToken && len(s) <= MaxImportedToken && printable(s)
}

// NewAppSecret returns a fresh application secret and the hash to store.
func NewAppSecret() (secret, hash string) {
	secret = randid.String(TokenBodyLen)
	return secret, HashSecret(secret)
}
