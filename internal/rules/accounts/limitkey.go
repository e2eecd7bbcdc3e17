package accounts

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"userbridge/ent"
	"userbridge/internal/rules/ident"
)

// The login limiter keeps one bucket per account, spent by every attempt at
// its password: Login and CheckPassword, and the current password asked
// by a password change or by an API key outliving its parent. Both
// methods below end in accountBucket, after ident's one normalisation
// (the one that finds the account), so that every spelling of an address
// ("STRASSE@", "straße@") spends the same bucket.

// typedAccountKey is the bucket of the account an e-mail typed at login
// names, or false when it could not name one (too long, or refused by
// ident.LookupKey): such an attempt spends only its address's bucket.
func (s *Service) typedAccountKey(email string) (string, bool) {
	if len(email) > maxLoginEmail {
		return "", false
	}
	k, ok := ident.LookupKey(email)
	if !ok {
		return "", false
	}
	return s.accountBucket(k), true
}

// storedAccountKey is the bucket of account u, named by the very key login
// finds the account by (email_key), so that the two cannot drift apart.
func (s *Service) storedAccountKey(u *ent.User) string {
	if u.EmailKey == "" { // a user read without its key
		return s.accountBucket(ident.Key(u.Email))
	}
	return s.accountBucket(u.EmailKey)
}

// accountBucket names the bucket of the normalised address identKey by its
// HMAC-SHA-256 under LimitKey (the first 128 bits, in hex): the keys live
// in Redis, where whoever lists them must read no address, and a plain hash
// would not do, since hashing a list of known addresses finds which of
// them were tried. Every replica derives LimitKey from the one service
// secret, so they all spend the same bucket for an account.
func (s *Service) accountBucket(identKey string) string {
	m := hmac.New(sha256.New, s.LimitKey)
	m.Write([]byte(identKey))
	return "login:account:" + hex.EncodeToString(m.Sum(nil)[:16])
}
