package passwords

// Cost limits of imported hashes (docs/passwords.md says why these). Each
// is the default of the most demanding system the contract names (PHP's
// password_hash, Django, passlib), so that their hashes import as they are,
// and nothing above: a hash past them is refused at import rather than
// letting one sign-in hold a CPU, or memory, for longer than the systems
// people move from ever asked for. A person pays the imported cost once:
// the first successful sign-in replaces the hash by the service's own.
const (
	// MaxBcryptCost is PHP's password_hash default (Maarch's hashes).
	MaxBcryptCost = 10
	// MaxArgonMemory (KiB) and MaxArgonTime bound argon2; MaxArgonWork
	// bounds their product: PHP's PASSWORD_ARGON2ID default, 64 MiB and
	// 4 passes.
	MaxArgonMemory = 64 * 1024
	MaxArgonTime   = 16
	MaxArgonWork   = 64 * 1024 * 4
	// MaxArgonLanes is the most lanes argon2-cffi's profiles and Django use.
	MaxArgonLanes = 8
	// MaxPBKDF2Iterations is Django 6.0's PBKDF2 default, the highest of
	// the PBKDF2 defaults in use.
	MaxPBKDF2Iterations = 1_200_000
	// MaxSHACryptRounds is above passlib's sha512_crypt default (656,000),
	// the highest SHA-crypt default in use; glibc's is 5,000.
	MaxSHACryptRounds = 1_000_000
	// MinSHACryptRounds is the SHA-crypt specification's own minimum: a
	// "rounds=" below it is never written by a conforming implementation.
	MinSHACryptRounds = 1000
)
