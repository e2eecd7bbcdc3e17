package auth

import "userbridge/internal/rules/passwords"

// HashPassword returns the service's own hash of a password (argon2id,
// package passwords).
func HashPassword(password string) (string, error) { return passwords.Hash(password) }

// CheckPassword reports whether password matches a stored hash, of the
// service's own or imported (passwords.Matches). An empty hash (a user
// without a password) never matches, but costs the same work. Checks that
// can replace an imported hash call passwords.Matches themselves.
func CheckPassword(password, hash string) bool {
	ok, _ := passwords.Matches(hash, password)
	return ok
}
