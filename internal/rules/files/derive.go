package files

import (
	"crypto/hmac"
	"crypto/sha256"
)

// DeriveKey returns a key for purpose derived from the service's secret (the
// configured one or the one kept in the database), so that other features,
// such as GraphQL cursors, share the one secret every replica already
// agrees on without sharing the key that signs links.
func (s *Service) DeriveKey(purpose string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("userbridge derived key: " + purpose))
	return m.Sum(nil)
}
