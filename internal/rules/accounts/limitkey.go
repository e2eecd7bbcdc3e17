package accounts

import (
	"crypto/sha256"
	"encoding/hex"

	"userbridge/ent"
	"userbridge/internal/rules/ident"
)

// The login limiter keeps one bucket per account, spent by every attempt at
// its password: Login and CheckPassword, and the current password asked
// by a password change or by an API key outliving its parent. Both
// functions below end in accountBucket, after ident's one normalisation
// (the one that finds the account), so that every spelling of an address
// ("STRASSE@", "straße@") spends the same bucket.

// typedAccountKey is the bucket of the account an e-mail typed at login
// names, or false when it could not name one (too long, or refused by
// ident.LookupKey): such an attempt spends only its address's bucket.
func typedAccountKey(email string) (string, bool) {
	if len(email) > maxLoginEmail {
		return "", false
	}
	k, ok := ident.LookupKey(email)
	if !ok {
		return "", false
	}
	return accountBucket(k), true
}

// storedAccountKey is the bucket of account u.
func storedAccountKey(u *ent.User) string { return accountBucket(ident.Key(u.Email)) }

// accountBucket hashes the normalised address (SHA-256, the first 128 bits
// in hex) before it becomes part of a key: the keys live in Redis, where
// whoever lists them must not read the addresses of the accounts tried.
func accountBucket(identKey string) string {
	sum := sha256.Sum256([]byte(identKey))
	return "login:account:" + hex.EncodeToString(sum[:16])
}
