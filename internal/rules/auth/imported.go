package auth

import (
	"context"
	"encoding/hex"
	"strings"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/passwords"
)

// Imported tokens are those legacy clients already hold: any 16 to 512
// printable ASCII characters (no space), shorter ones being too weak to
// stand for a password. They are stored as every credential is: their
// SHA-256 (HashSecret), looked up the same way.
const (
	MinImportedToken = 16
	MaxImportedToken = 512
)

// Reasons of the refusals of imported credentials.
const (
	ReasonWeakToken      = "weak_token"
	ReasonMalformedToken = "malformed_token"
)

// ImportedTokenHash returns the stored hash of an imported credential,
// given either its token in clear or the hex SHA-256 of it (what the
// service stores, so a hash exported by one store imports into another).
//
// Returns invalid when both or neither are given, when the token is
// shorter than MinImportedToken (reason weak_token), longer than
// MaxImportedToken or not printable ASCII, or when the hash is not 64 hex
// digits. Messages never repeat the token.
func ImportedTokenHash(token, sha256hex string) (string, error) {
	switch {
	case token != "" && sha256hex != "":
		return "", apperr.Invalidf("token", ReasonMalformedToken, "give token or token_sha256, not both")
	case sha256hex != "":
		if len(sha256hex) != 64 {
			return "", apperr.Invalidf("token_sha256", ReasonMalformedToken, "token_sha256 must be 64 hex digits")
		}
		if _, err := hex.DecodeString(sha256hex); err != nil {
			return "", apperr.Invalidf("token_sha256", ReasonMalformedToken, "token_sha256 must be 64 hex digits")
		}
		return strings.ToLower(sha256hex), nil
	case token == "":
		return "", apperr.Invalidf("token", ReasonMalformedToken, "give token or token_sha256")
	case len(token) < MinImportedToken:
		return "", apperr.Invalidf("token", ReasonWeakToken, "a token shorter than %d characters is too weak", MinImportedToken)
	case len(token) > MaxImportedToken || !printable(token):
		return "", apperr.Invalidf("token", ReasonMalformedToken, "a token is %d to %d printable ASCII characters, without spaces",
			MinImportedToken, MaxImportedToken)
	}
	return HashSecret(token), nil
}

// printable reports whether s is only ASCII from '!' to '~'.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// ImportedSecretHash returns the stored secret hash of an imported
// application whose secret is given as a hash. An unsalted SHA-256 is the
// service's own form (what export writes) and is stored as it is; any
// other hash package passwords accepts is stored as passwords.Parse gives
// it, checked with its own algorithm at the application's first successful
// authentication and then replaced by the service's own (MatchSecret,
// RestoreSecret), so that no request pays a slow hash twice.
//
// Returns invalid as passwords.Parse does.
func ImportedSecretHash(s passwords.Spec) (string, error) {
	alg := strings.ToLower(strings.TrimSpace(s.Algorithm))
	if alg == "sha256" && s.Salt == "" && s.Iterations == 0 {
		imp, err := passwords.Parse(s)
		if err != nil {
			return "", err
		}
		// passwords stores it as a salted digest with an empty salt: its
		// digest is the service's own form of the secret.
		if spec := passwords.SpecOf(imp.Stored); spec != nil && len(spec.Value) == 64 {
			return spec.Value, nil
		}
	}
	imp, err := passwords.Parse(s)
	if err != nil {
		return "", err
	}
	return imp.Stored, nil
}

// MatchSecret compares a presented application secret with the stored
// hash: the service's own SHA-256, in constant time, or an imported hash
// (a "$" string of ImportedSecretHash), with its own algorithm. restore,
// when not empty, is the service's own hash of the secret, to store in
// place of the imported one (RestoreSecret).
func MatchSecret(stored, secret string) (ok bool, restore string) {
	if !strings.HasPrefix(stored, "$") {
		return SecretMatches(secret, stored), ""
	}
	if ok, _ := passwords.Matches(stored, secret); ok {
		return true, HashSecret(secret)
	}
	return false, ""
}

// RestoreSecret stores restore in place of the imported secret hash
// stored, on the application that still has it (another request may have
// restored it first: then nothing changes).
func RestoreSecret(ctx context.Context, c *ent.Client, stored, restore string) error {
	if restore == "" {
		return nil
	}
	_, err := c.Application.Update().Where(application.SecretHash(stored)).SetSecretHash(restore).Save(ctx)
	if err != nil {
		return lookupFailed(err, "restoring the application secret")
	}
	return nil
}
