package passwords_test

import (
	"errors"
	"strings"
	"testing"

	"userbridge/internal/apperr"
	"userbridge/internal/interchange"
	"userbridge/internal/rules/passwords"
)

// TestVectors: every known hash imports, its password matches and asks
// for an upgrade, a wrong one does not match, and the stored form exports
// back to a Spec that imports to the same stored form.
func TestVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			got, err := passwords.Parse(v.spec)
			if err != nil {
				t.Fatalf("Parse: %v (source: %s)", err, v.source)
			}
			if got.Algorithm != v.alg || got.Weak != v.weak {
				t.Fatalf("Parse = %s weak %v, want %s weak %v", got.Algorithm, got.Weak, v.alg, v.weak)
			}
			ok, upgrade := passwords.Matches(got.Stored, v.password)
			if !ok || !upgrade {
				t.Fatalf("Matches(right password) = %v, %v; want true, true (source: %s)", ok, upgrade, v.source)
			}
			if ok, _ := passwords.Matches(got.Stored, v.password+"x"); ok {
				t.Fatal("a wrong password matches")
			}
			back := passwords.SpecOf(got.Stored)
			again, err := passwords.Parse(*back)
			if err != nil || again.Stored != got.Stored {
				t.Fatalf("SpecOf then Parse = %q, %v; want %q", again.Stored, err, got.Stored)
			}
		})
	}
}

func TestHashIsCurrentArgon2id(t *testing.T) {
	h, err := passwords.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=7168,t=5,p=1$") {
		t.Fatalf("Hash = %q", h)
	}
	if ok, upgrade := passwords.Matches(h, "correct horse"); !ok || upgrade {
		t.Fatalf("Matches = %v, %v; want true, false", ok, upgrade)
	}
	if ok, _ := passwords.Matches(h, "wrong horse"); ok {
		t.Fatal("a wrong password matches")
	}
	if h2, _ := passwords.Hash("correct horse"); h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if s := passwords.SpecOf(h); s == nil || s.Algorithm != "argon2" || s.Value != h {
		t.Fatalf("SpecOf(native) = %+v", s)
	}
	if imp, err := passwords.Parse(*passwords.SpecOf(h)); err != nil || imp.Stored != h || imp.Algorithm != "argon2id" {
		t.Fatalf("native hash does not import back: %+v %v", imp, err)
	}
}

// TestEarlierNativeCostsUpgrade: the service's hashes of earlier settings
// (19 MiB/2 passes, 12 MiB/3) still verify, and ask to be replaced.
func TestEarlierNativeCostsUpgrade(t *testing.T) {
	// echo -n 'correct horse' | argon2 saltsaltsalt -id -t 2 -k 19456 -p 1 -l 32 -e
	const earlier = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$sDq4SJydHwxWnLTlXqq5ZzNDfmXrJUlaeTohxQaFrio"
	if ok, upgrade := passwords.Matches(earlier, "correct horse"); !ok || !upgrade {
		t.Fatalf("Matches = %v, %v; want true, true", ok, upgrade)
	}
}

func TestNothingStoredNeverMatches(t *testing.T) {
	for _, stored := range []string{"", "garbage", "$2y$10$short", "$argon2id$v=19$m=1,t=1,p=1$$", "$6$rounds=10$x$y"} {
		before := passwords.Verifications()
		if ok, _ := passwords.Matches(stored, ""); ok {
			t.Fatalf("Matches(%q, \"\") = true", stored)
		}
		if n := passwords.Verifications() - before; n != 1 {
			t.Fatalf("Matches(%q) ran %d verifications, want 1", stored, n)
		}
	}
}

func reason(err error) string {
	if err == nil {
		return ""
	}
	return apperr.As(err).Reason
}

// TestLimitsAcceptDefaults: the default costs of the systems the limits
// are chosen for import (parsed only: verifying them is TestVectors' job,
// at lower costs).
func TestLimitsAcceptDefaults(t *testing.T) {
	for _, spec := range []passwords.Spec{
		// php -r 'echo password_hash("correct horse", PASSWORD_ARGON2ID);'
		{Algorithm: "argon2", Value: "$argon2id$v=19$m=65536,t=4,p=1$Y3VoQU5RVGwwYkozcktIbw$X56R6BrbtsGo1Y4O4v0+plMLq7v32zZWK7pYr+T0v9g"},
		// php -r 'echo password_hash("correct horse", PASSWORD_ARGON2I);'
		{Algorithm: "argon2", Value: "$argon2i$v=19$m=65536,t=4,p=1$OGE2ek1vZE9ZZ2pXeUZEWQ$NZRa1jhXutdgQHf42OBq1ZAvRItHO9mGQYY5pzfZa9o"},
		// php -r 'echo password_hash("correct horse", PASSWORD_BCRYPT);' (cost 10)
		{Algorithm: "bcrypt", Value: "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"},
		// Django 6.0's iterations (the key is not of any password: parsed only)
		{Algorithm: "pbkdf2", Value: "pbkdf2_sha256$1200000$seasalt$uQhI7r5vav+Ep/WY4fNrUCzWxwQh3X02HLqZnMgoEUM="},
		// passlib.hash.sha512_crypt.using(salt="saltsaltsalt", rounds=656000).hash("correct horse"), its default rounds
		{Algorithm: "sha512-crypt", Value: "$6$rounds=656000$saltsaltsalt$6iJSPTtzcmh1lBYX5JyubWehLdtAGzQd/5AsiBTnZ8AQMb6JmvEPr2NmeL507oJB19ILLdHI76nGYvp83wxvQ/"},
	} {
		if _, err := passwords.Parse(spec); err != nil {
			t.Errorf("%s: %v", spec.Value, err)
		}
	}
}

func TestCostLimitsRejected(t *testing.T) {
	cases := []struct {
		name string
		spec passwords.Spec
	}{
		// php -r 'echo password_hash("correct horse", PASSWORD_BCRYPT, ["cost"=>11]);'
		{"bcrypt-cost-11", passwords.Spec{Algorithm: "bcrypt", Value: "$2y$11$iLjHe8rcb5fi8.NY7CI6eurqWuRQ3FG0U15jqEgpPYsdVYmKjYbeG"}},
		// echo -n 'correct horse' | argon2 saltsaltsalt -id -t 5 -m 16 -p 1 -l 32 -e: m*t past the limit
		{"argon2id-work", passwords.Spec{Algorithm: "argon2", Value: "$argon2id$v=19$m=65536,t=5,p=1$c2FsdHNhbHRzYWx0$PwHDhkb6xPDqtMXoBg0Ou57JSG92XS17fuOFQMoyOgQ"}},
		{"argon2id-memory", passwords.Spec{Algorithm: "argon2", Value: "$argon2id$v=19$m=131072,t=1,p=1$c2FsdHNhbHRzYWx0$PwHDhkb6xPDqtMXoBg0Ou57JSG92XS17fuOFQMoyOgQ"}},
		{"argon2i-time", passwords.Spec{Algorithm: "argon2", Value: "$argon2i$v=19$m=1024,t=17,p=1$c2FsdHNhbHRzYWx0$PwHDhkb6xPDqtMXoBg0Ou57JSG92XS17fuOFQMoyOgQ"}},
		{"argon2id-lanes", passwords.Spec{Algorithm: "argon2", Value: "$argon2id$v=19$m=4096,t=1,p=9$c2FsdHNhbHRzYWx0$PwHDhkb6xPDqtMXoBg0Ou57JSG92XS17fuOFQMoyOgQ"}},
		{"pbkdf2-django-iterations", passwords.Spec{Algorithm: "pbkdf2", Value: "pbkdf2_sha256$1200001$seasalt$uQhI7r5vav+Ep/WY4fNrUCzWxwQh3X02HLqZnMgoEUM="}},
		{"pbkdf2-phc-iterations", passwords.Spec{Algorithm: "pbkdf2", Value: "$pbkdf2-sha256$i=2000000,l=32$c2FsdHlzYWx0eXNhbHQxNg$t6g01L2zcieSsENsSposcrguxHRmf4MGIwAm9dXcsz4"}},
		// a key of two SHA-256 blocks runs the iterations twice
		{"pbkdf2-blocks", passwords.Spec{Algorithm: "pbkdf2-sha256", Value: strings.Repeat("ab", 64), Salt: "s", Iterations: 700_000, Encoding: "hex"}},
		{"sha512-crypt-rounds", passwords.Spec{Algorithm: "sha512-crypt", Value: "$6$rounds=1000001$saltsaltsalt$kOM2YBzB.4z5juscMcMtHOyDXxHfU2IV5DXXaenHpg6pHe9bMLNXQSIoRqgwIF8qFeqA67/acBCe2/IYp/HcR0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := passwords.Parse(c.spec)
			if !errors.Is(err, passwords.ErrTooCostly) || !apperr.Is(err, apperr.Invalid) || reason(err) != passwords.ReasonTooCostly {
				t.Fatalf("Parse = %v; want invalid, too costly", err)
			}
			if !strings.Contains(err.Error(), "limit") {
				t.Fatalf("message %q does not name the limit", err)
			}
		})
	}
}

func TestMalformedRejected(t *testing.T) {
	cases := []struct {
		name string
		spec passwords.Spec
		want error
	}{
		{"unknown-algorithm", passwords.Spec{Algorithm: "rot13", Value: "x"}, passwords.ErrUnknownAlgorithm},
		{"no-algorithm", passwords.Spec{Value: "x"}, passwords.ErrUnknownAlgorithm},
		{"empty-value", passwords.Spec{Algorithm: "bcrypt"}, passwords.ErrMalformed},
		{"nul", passwords.Spec{Algorithm: "md5", Value: "52f36768c11844771e5f7ff576e2dba2", Salt: "a\x00b", SaltPosition: "prefix"}, passwords.ErrMalformed},
		{"huge-value", passwords.Spec{Algorithm: "md5", Value: strings.Repeat("a", 5000)}, passwords.ErrMalformed},
		{"bcrypt-short", passwords.Spec{Algorithm: "bcrypt", Value: "$2y$10$x"}, passwords.ErrMalformed},
		{"bcrypt-2x", passwords.Spec{Algorithm: "bcrypt", Value: "$2x$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"}, passwords.ErrMalformed},
		{"bcrypt-alphabet", passwords.Spec{Algorithm: "bcrypt", Value: "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCN+G"}, passwords.ErrMalformed},
		{"bcrypt-with-salt", passwords.Spec{Algorithm: "bcrypt", Value: "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG", Salt: "x"}, passwords.ErrMalformed},
		{"bcrypt-given-sha512-crypt", passwords.Spec{Algorithm: "bcrypt", Value: "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"}, passwords.ErrMalformed},
		{"argon2-version-16", passwords.Spec{Algorithm: "argon2", Value: "$argon2i$v=16$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"}, passwords.ErrMalformed},
		{"argon2-params-order", passwords.Spec{Algorithm: "argon2", Value: "$argon2i$v=19$t=2,m=65536,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"}, passwords.ErrMalformed},
		{"argon2-bad-base64", passwords.Spec{Algorithm: "argon2", Value: "$argon2i$v=19$m=65536,t=2,p=4$c29tZ!NhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"}, passwords.ErrMalformed},
		{"argon2d", passwords.Spec{Algorithm: "argon2", Value: "$argon2d$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"}, passwords.ErrMalformed},
		{"argon2id-given-argon2i", passwords.Spec{Algorithm: "argon2id", Value: "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"}, passwords.ErrMalformed},
		{"pbkdf2-md5", passwords.Spec{Algorithm: "pbkdf2", Value: "pbkdf2_md5$10000$seasalt$Jwu25HYWPy/yfYdNS6w3q7sy9sU="}, passwords.ErrMalformed},
		{"pbkdf2-django-bad-base64", passwords.Spec{Algorithm: "pbkdf2", Value: "pbkdf2_sha256$870000$seasalt$not*base64"}, passwords.ErrMalformed},
		{"pbkdf2-zero-iterations", passwords.Spec{Algorithm: "pbkdf2", Value: "pbkdf2_sha256$0$seasalt$uQhI7r5vav+Ep/WY4fNrUCzWxwQh3X02HLqZnMgoEUM="}, passwords.ErrMalformed},
		{"pbkdf2-length-mismatch", passwords.Spec{Algorithm: "pbkdf2", Value: "$pbkdf2-sha256$i=100000,l=64$c2FsdHlzYWx0eXNhbHQxNg$t6g01L2zcieSsENsSposcrguxHRmf4MGIwAm9dXcsz4"}, passwords.ErrMalformed},
		{"pbkdf2-raw-without-iterations", passwords.Spec{Algorithm: "pbkdf2-sha1", Value: "4b007901b765489abead49d926f721d065a429c1", Salt: "salt", Encoding: "hex"}, passwords.ErrMalformed},
		{"pbkdf2-raw-without-digest", passwords.Spec{Algorithm: "pbkdf2", Value: "4b007901b765489abead49d926f721d065a429c1", Salt: "salt", Iterations: 4096, Encoding: "hex"}, passwords.ErrMalformed},
		{"sha512-crypt-short", passwords.Spec{Algorithm: "sha512-crypt", Value: "$6$saltstring$svn8"}, passwords.ErrMalformed},
		{"sha512-crypt-rounds-below-spec", passwords.Spec{Algorithm: "sha512-crypt", Value: "$6$rounds=999$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."}, passwords.ErrMalformed},
		{"sha512-crypt-given-sha256", passwords.Spec{Algorithm: "sha512-crypt", Value: "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"}, passwords.ErrMalformed},
		{"sha256-crypt-long-salt", passwords.Spec{Algorithm: "sha256-crypt", Value: "$5$saltstringsaltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"}, passwords.ErrMalformed},
		{"md5-wrong-length", passwords.Spec{Algorithm: "md5", Value: "52f36768c1", Salt: "pepper", SaltPosition: "prefix"}, passwords.ErrMalformed},
		{"md5-not-hex", passwords.Spec{Algorithm: "md5", Value: "zzf36768c11844771e5f7ff576e2dba2", Salt: "pepper", SaltPosition: "prefix"}, passwords.ErrMalformed},
		{"sha1-salt-without-position", passwords.Spec{Algorithm: "sha1", Value: "d11dc5896bf42fb4320130682b5909d363bf770b", Salt: "pepper"}, passwords.ErrMalformed},
		{"sha1-bad-position", passwords.Spec{Algorithm: "sha1", Value: "d11dc5896bf42fb4320130682b5909d363bf770b", Salt: "pepper", SaltPosition: "middle"}, passwords.ErrMalformed},
		{"sha256-bad-encoding", passwords.Spec{Algorithm: "sha256", Value: "869a1fa0609a1d15a5c3eb891428b7a6c8395b2ee10c4762e97ffca0ebe8c0b5", Salt: "pepper", SaltPosition: "prefix", Encoding: "utf8"}, passwords.ErrMalformed},
		{"sha256-iterations", passwords.Spec{Algorithm: "sha256", Value: "869a1fa0609a1d15a5c3eb891428b7a6c8395b2ee10c4762e97ffca0ebe8c0b5", Salt: "pepper", SaltPosition: "prefix", Iterations: 5}, passwords.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := passwords.Parse(c.spec)
			if !errors.Is(err, c.want) || !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Parse = %v; want invalid wrapping %v", err, c.want)
			}
			if apperr.As(err).Message == "" {
				t.Fatal("no reason given")
			}
		})
	}
}

// TestEveryCheckIsOneVerification counts the work of a wrong password
// whatever is stored: nothing, the service's own hash, an imported one, a
// weak one. Counted, not timed (docs/passwords.md).
func TestEveryCheckIsOneVerification(t *testing.T) {
	native, _ := passwords.Hash("correct horse")
	for _, stored := range []string{"", native, vectors[0].spec.Value, "$salted-md5$p=prefix$cGVwcGVy$UvNnaMEYRHceX3/1duLbog"} {
		before := passwords.Verifications()
		if ok, _ := passwords.Matches(stored, "wrong horse"); ok {
			t.Fatal("a wrong password matches")
		}
		if n := passwords.Verifications() - before; n != 1 {
			t.Fatalf("%q: %d verifications, want 1", stored, n)
		}
	}
}

// An interchange.Hash converts to a Spec: same fields, same order.
var _ = passwords.Spec(interchange.Hash{})
