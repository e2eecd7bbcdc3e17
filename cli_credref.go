package main

import (
	"fmt"
	"strconv"
	"strings"

	"userbridge/ent"
	"userbridge/ent/credential"
	"userbridge/ent/migrate"
)

// A credential's id is a number in the credentials' range of 2^32 (each
// entity has its own, so that a GraphQL id tells its type): 12884901895
// reads badly and is easily mistyped. The command line shows it as the
// kind's prefix and the credential's rank in that range, tok_7, and takes
// that back, or the number as before. The prefix is checked against the
// credential: key_7 does not revoke the access token tok_7.
var credentialPrefixes = map[credential.Kind]string{
	credential.KindAccessToken:  "tok_",
	credential.KindRefreshToken: "ref_",
	credential.KindAPIKey:       "key_",
}

// credentialBase is the first id of the credentials' range, as the schema
// sets it.
var credentialBase = *migrate.CredentialsTable.Annotation.IncrementStart

// credentialRef is the id the command line shows for c: tok_7, key_2,
// ref_3; the number itself for an id outside the range.
func credentialRef(c *ent.Credential) string {
	rank := c.ID - credentialBase
	if rank < 0 || rank >= 1<<32 {
		return strconv.Itoa(c.ID)
	}
	return credentialPrefixes[c.Kind] + strconv.Itoa(rank)
}

// credentialSpelling is what --id accepts, for error messages.
//
//nolint:gosec // G101: the spellings an id takes, not a secret
const credentialSpelling = "tok_7, key_7 or ref_7 as token list shows it, or the credential's number"

// parseCredentialRef reads an id as credentialRef writes it, or the number:
// the credential's id, and the kind its prefix names ("" for a number).
func parseCredentialRef(s string) (int, credential.Kind, error) {
	bad := fmt.Errorf("%q is not a credential id: want %s", s, credentialSpelling)
	if id, err := strconv.Atoi(s); err == nil {
		if id <= 0 || strconv.Itoa(id) != s {
			return 0, "", bad
		}
		return id, "", nil
	}
	for kind, prefix := range credentialPrefixes {
		digits, ok := strings.CutPrefix(s, prefix)
		if !ok {
			continue
		}
		rank, err := strconv.Atoi(digits)
		// One spelling per credential: no sign, no leading zero. The
		// first id of the range is rank 0 (PostgreSQL's sequence starts
		// there, SQLite's one above).
		if err != nil || rank < 0 || rank >= 1<<32 || strconv.Itoa(rank) != digits {
			return 0, "", bad
		}
		return credentialBase + rank, kind, nil
	}
	return 0, "", bad
}
