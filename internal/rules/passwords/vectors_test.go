package passwords_test

import "userbridge/internal/rules/passwords"

// vector is one known hash of a password, with where it comes from: the
// algorithm's specification or RFC, or the tool that systems people move
// from use to write it (commands given so anyone can regenerate them:
// PHP 8.2's password_hash and crypt, the argon2 reference CLI
// (phc-winner-argon2, Debian package argon2), OpenSSL 3's passwd,
// mkpasswd (Debian package whois), Python's passlib 1.7 and hashlib).
type vector struct {
	name     string
	spec     passwords.Spec
	password string
	alg      string // Imported.Algorithm
	weak     bool
	source   string
}

var vectors = []vector{
	// bcrypt
	{"bcrypt-php-2y", passwords.Spec{Algorithm: "bcrypt", Value: "$2y$10$eCtnIIXPgz42FyQCRaOWAuOkvknpsv9xrDeLWxsXRqtkNsxtTCNwG"},
		"correct horse", "bcrypt", false, `php -r 'echo password_hash("correct horse", PASSWORD_BCRYPT);'`},
	{"bcrypt-openwall-2a", passwords.Spec{Algorithm: "bcrypt", Value: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
		"U*U", "bcrypt", false, "crypt_blowfish's (Openwall) own test vector; php crypt() gives the same"},
	{"bcrypt-php-2b", passwords.Spec{Algorithm: "bcrypt", Value: "$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e"},
		"correct horse", "bcrypt", false, `php -r 'echo crypt("correct horse", "\$2b\$04\$abcdefghijklmnopqrstuu");'`},
	// argon2
	{"argon2i-reference-readme", passwords.Spec{Algorithm: "argon2", Value: "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"},
		"password", "argon2i", false, "phc-winner-argon2 README: echo -n password | argon2 somesalt -t 2 -m 16 -p 4 -l 24"},
	// PHP's argon2 at a lower cost than its default (64 MiB, t=4, which
	// TestLimitsAcceptDefaults imports), so that the race detector's runs
	// stay short.
	{"argon2id-php", passwords.Spec{Algorithm: "argon2id", Value: "$argon2id$v=19$m=8192,t=3,p=1$S3YvN21SNWsuR08vazQ2Zw$NoOtHJZrBXVET8A/9dwsHOxHPRnUHoCUvvBAqqBKcbw"},
		"correct horse", "argon2id", false, `php -r 'echo password_hash("correct horse", PASSWORD_ARGON2ID, ["memory_cost"=>8192, "time_cost"=>3, "threads"=>1]);'`},
	{"argon2i-php", passwords.Spec{Algorithm: "argon2i", Value: "$argon2i$v=19$m=8192,t=3,p=1$LjhxMUFYSVZsbjBldnRHNA$f+BIWqxRgOb5ZwTcXMcbuB6LEJxiU6DuCuXRw9lD2bI"},
		"correct horse", "argon2i", false, `php -r 'echo password_hash("correct horse", PASSWORD_ARGON2I, ["memory_cost"=>8192, "time_cost"=>3, "threads"=>1]);'`},
	{"argon2id-reference-cli", passwords.Spec{Algorithm: "argon2", Value: "$argon2id$v=19$m=4096,t=3,p=2$c2FsdHNhbHRzYWx0$54340GKFnCLDJ92ew+IHLoDeY3NBTp5h9v05wHc20y8"},
		"correct horse", "argon2id", false, "echo -n 'correct horse' | argon2 saltsaltsalt -id -t 3 -m 12 -p 2 -l 32 -e"},
	// PBKDF2
	{"pbkdf2-sha256-passlib", passwords.Spec{Algorithm: "pbkdf2", Value: "$pbkdf2-sha256$29000$c2FsdHlzYWx0eXNhbHQxNg$9C1lpjj7h/BvHZ65NqFpAB0lOGm6F0z3IVfh/gvglW4"},
		"correct horse", "pbkdf2-sha256", false, "passlib.hash.pbkdf2_sha256.using(salt=b'saltysaltysalt16', rounds=29000).hash('correct horse')"},
	{"pbkdf2-sha1-passlib", passwords.Spec{Algorithm: "pbkdf2", Value: "$pbkdf2$131000$c2FsdHlzYWx0eXNhbHQxNg$V5sbt8kFK61m/RPcVxmcW.7JU8A"},
		"correct horse", "pbkdf2-sha1", false, "passlib.hash.pbkdf2_sha1.using(salt=b'saltysaltysalt16', rounds=131000).hash('correct horse')"},
	{"pbkdf2-sha512-passlib", passwords.Spec{Algorithm: "pbkdf2-sha512", Value: "$pbkdf2-sha512$25000$c2FsdHlzYWx0eXNhbHQxNg$7FkVdDWz4Z0EXhD.wxQmM4oSawvlubjF0U07FdKDYgud1UOPfZJEugPkficC2Yw5iCqerLiHgxd0Zkgb/kA4gQ"},
		"correct horse", "pbkdf2-sha512", false, "passlib.hash.pbkdf2_sha512.using(salt=b'saltysaltysalt16', rounds=25000).hash('correct horse')"},
	{"pbkdf2-sha256-phc-auth0", passwords.Spec{Algorithm: "pbkdf2", Value: "$pbkdf2-sha256$i=100000,l=32$c2FsdHlzYWx0eXNhbHQxNg$t6g01L2zcieSsENsSposcrguxHRmf4MGIwAm9dXcsz4"},
		"correct horse", "pbkdf2-sha256", false, "Auth0's PHC spelling of hashlib.pbkdf2_hmac('sha256', b'correct horse', b'saltysaltysalt16', 100000, 32)"},
	{"pbkdf2-sha256-django", passwords.Spec{Algorithm: "pbkdf2", Value: "pbkdf2_sha256$870000$seasalt$uQhI7r5vav+Ep/WY4fNrUCzWxwQh3X02HLqZnMgoEUM="},
		"correct horse", "pbkdf2-sha256", false, "passlib.hash.django_pbkdf2_sha256.using(salt='seasalt', rounds=870000).hash('correct horse') (Django 5.1's default rounds)"},
	{"pbkdf2-sha1-django", passwords.Spec{Algorithm: "pbkdf2_sha1", Value: "pbkdf2_sha1$10000$seasalt$Jwu25HYWPy/yfYdNS6w3q7sy9sU="},
		"correct horse", "pbkdf2-sha1", false, "passlib.hash.django_pbkdf2_sha1.using(salt='seasalt', rounds=10000).hash('correct horse')"},
	{"pbkdf2-sha1-rfc6070", passwords.Spec{Algorithm: "pbkdf2-sha1", Value: "4b007901b765489abead49d926f721d065a429c1", Salt: "salt", Iterations: 4096, Encoding: "hex"},
		"password", "pbkdf2-sha1", false, "RFC 6070 section 2, third vector (c = 4096)"},
	{"pbkdf2-sha256-rfc7914", passwords.Spec{Algorithm: "pbkdf2-sha256", Value: "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783", Salt: "salt", Iterations: 1, Encoding: "hex"},
		"passwd", "pbkdf2-sha256", false, "RFC 7914 section 11, first PBKDF2-HMAC-SHA256 vector (dkLen 64)"},
	// SHA-crypt
	{"sha256-crypt-spec", passwords.Spec{Algorithm: "sha256-crypt", Value: "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"},
		"Hello world!", "sha256-crypt", false, "Drepper's specification, first SHA-256 vector; openssl passwd -5 -salt saltstring 'Hello world!'"},
	{"sha256-crypt-spec-rounds", passwords.Spec{Algorithm: "sha256-crypt", Value: "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"},
		"Hello world!", "sha256-crypt", false, "Drepper's specification, second SHA-256 vector (salt cut at 16)"},
	{"sha256-crypt-spec-toolong", passwords.Spec{Algorithm: "sha256-crypt", Value: "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5"},
		"This is just a test", "sha256-crypt", false, "Drepper's specification, third SHA-256 vector"},
	{"sha512-crypt-spec", passwords.Spec{Algorithm: "sha512-crypt", Value: "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		"Hello world!", "sha512-crypt", false, "Drepper's specification, first SHA-512 vector; openssl passwd -6 -salt saltstring 'Hello world!'"},
	{"sha512-crypt-spec-rounds", passwords.Spec{Algorithm: "sha512-crypt", Value: "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."},
		"Hello world!", "sha512-crypt", false, "Drepper's specification, second SHA-512 vector"},
	{"sha256-crypt-long-password", passwords.Spec{Algorithm: "sha256-crypt", Value: "$5$rounds=1000$longpw$L2W.D7ZwCgz39o.4NI8cjSKQI.0zyV2nD4nrrCD2.31"},
		longPassword('a', 70), "sha256-crypt", false, "openssl passwd -5 -salt 'rounds=1000$longpw' <70 times a>: a password longer than two digests"},
	{"sha512-crypt-long-password", passwords.Spec{Algorithm: "sha512-crypt", Value: "$6$rounds=1000$longpw$jAXLvQPY5RpzTBNYShbq4.s0khuGEUcmXQ2MxwpqKVaLAFAGzFDBLXsR7bd9PVFnX1KUTEBBwc8XbtLMhsmqk0"},
		longPassword('b', 130), "sha512-crypt", false, "openssl passwd -6 -salt 'rounds=1000$longpw' <130 times b>"},
	{"sha512-crypt-mkpasswd", passwords.Spec{Algorithm: "sha512-crypt", Value: "$6$rounds=20000$saltsaltsalt$kOM2YBzB.4z5juscMcMtHOyDXxHfU2IV5DXXaenHpg6pHe9bMLNXQSIoRqgwIF8qFeqA67/acBCe2/IYp/HcR0"},
		"correct horse", "sha512-crypt", false, "mkpasswd -m sha-512 -S saltsaltsalt -R 20000 'correct horse'"},
	{"sha256-crypt-openssl", passwords.Spec{Algorithm: "sha256-crypt", Value: "$5$Zm9vYmFyYmF6$F3HA8u8n0hoM53v5XXFZqVzJmrP6haPFZrXh72DuoGA"},
		"correct horse", "sha256-crypt", false, "openssl passwd -5 -salt Zm9vYmFyYmF6 'correct horse'"},
	// salted digests (weak)
	{"md5-prefix-hex", passwords.Spec{Algorithm: "md5", Value: "52f36768c11844771e5f7ff576e2dba2", Salt: "pepper", SaltPosition: "prefix", Encoding: "hex"},
		"correct horse", "md5", true, "printf %s 'peppercorrect horse' | openssl dgst -md5"},
	{"md5-suffix-base64", passwords.Spec{Algorithm: "md5", Value: "7fOGP3gyOw70sKAIQS6rXg==", Salt: "pepper", SaltPosition: "suffix", Encoding: "base64"},
		"correct horse", "md5", true, "printf %s 'correct horsepepper' | openssl dgst -md5 -binary | base64"},
	{"sha1-prefix-hex", passwords.Spec{Algorithm: "sha1", Value: "d11dc5896bf42fb4320130682b5909d363bf770b", Salt: "pepper", SaltPosition: "prefix"},
		"correct horse", "sha1", true, "printf %s 'peppercorrect horse' | openssl dgst -sha1 (hex is the default encoding)"},
	{"sha1-suffix-base64", passwords.Spec{Algorithm: "sha1", Value: "YjOxnlnw8lITpqjG3t+XV9jV7os=", Salt: "pepper", SaltPosition: "suffix", Encoding: "base64"},
		"correct horse", "sha1", true, "printf %s 'correct horsepepper' | openssl dgst -sha1 -binary | base64"},
	{"sha256-prefix-hex", passwords.Spec{Algorithm: "sha256", Value: "869a1fa0609a1d15a5c3eb891428b7a6c8395b2ee10c4762e97ffca0ebe8c0b5", Salt: "pepper", SaltPosition: "prefix", Encoding: "hex"},
		"correct horse", "sha256", true, "printf %s 'peppercorrect horse' | openssl dgst -sha256"},
	{"sha256-suffix-base64", passwords.Spec{Algorithm: "sha256", Value: "iiBneCY1H83bKojQwRhnuXkXl3mOZIuJrAljDBgCy5A=", Salt: "pepper", SaltPosition: "suffix", Encoding: "base64"},
		"correct horse", "sha256", true, "printf %s 'correct horsepepper' | openssl dgst -sha256 -binary | base64"},
	{"sha512-prefix-hex", passwords.Spec{Algorithm: "sha512", Value: "f95919efa0cefe2d53743cad99b75b01f4523396310290535290357040a29d287fa2747e0c742cf21fd535908025f8f8c869b0c9a9da4ac9d24314a49ceee3df", Salt: "pepper", SaltPosition: "prefix", Encoding: "hex"},
		"correct horse", "sha512", true, "printf %s 'peppercorrect horse' | openssl dgst -sha512"},
	{"sha512-suffix-base64", passwords.Spec{Algorithm: "sha512", Value: "jKNzZGOpZV+d15b9woPUu/HlAvWT2N41SupXoEK6cIpe8kGEbagFMP62zqbEllyguDhie7qcSvb0YtWRmcfrEQ==", Salt: "pepper", SaltPosition: "suffix", Encoding: "base64"},
		"correct horse", "sha512", true, "printf %s 'correct horsepepper' | openssl dgst -sha512 -binary | base64"},
}

func longPassword(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}
