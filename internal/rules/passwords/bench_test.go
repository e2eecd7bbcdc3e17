package passwords_test

import (
	"strings"
	"testing"

	"userbridge/internal/rules/passwords"
)

// BenchmarkMatchesAtLimits is one verification of the service's own hash
// beside one of each imported algorithm at its cost limit (limits.go),
// for docs/passwords.md:
//
//	go test ./internal/rules/passwords -run '^$' -bench MatchesAtLimits -benchtime 5x
//
// A wrong password costs what the right one does, so the hashes need not
// be of any password.
func BenchmarkMatchesAtLimits(b *testing.B) {
	native, _ := passwords.Hash("x")
	key := "t6g01L2zcieSsENsSposcrguxHRmf4MGIwAm9dXcsz4"
	cases := []struct{ name, stored string }{
		{"native-argon2id", native},
		{"bcrypt-cost-10", "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"},
		{"argon2id-64MiB-t4", "$argon2id$v=19$m=65536,t=4,p=1$Y3VoQU5RVGwwYkozcktIbw$X56R6BrbtsGo1Y4O4v0+plMLq7v32zZWK7pYr+T0v9g"},
		{"pbkdf2-sha256-1.2M", "$pbkdf2-sha256$i=1200000,l=32$c2FsdHlzYWx0eXNhbHQxNg$" + key},
		{"pbkdf2-sha512-1.2M", "$pbkdf2-sha512$i=1200000,l=32$c2FsdHlzYWx0eXNhbHQxNg$" + key},
		{"sha512-crypt-1M", "$6$rounds=1000000$saltsaltsalt$" + strings.Repeat("a", 86)},
		{"md5-salted", "$salted-md5$p=prefix$cGVwcGVy$UvNnaMEYRHceX3/1duLbog"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				passwords.Matches(c.stored, "wrong")
			}
		})
	}
}
