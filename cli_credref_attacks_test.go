package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/ent/credential"
	"userbridge/internal/store/db/dbtest"
)

// TestCredentialRefAttacks: the short credential ids read back exactly
// what token list writes, at both ends of the range and for each kind,
// and nothing else: no digits of another script, no number past int64 or
// past the range, no sign, space, base prefix or digit separator.
func TestCredentialRefAttacks(t *testing.T) {
	for kind, prefix := range credentialPrefixes {
		for _, rank := range []int{0, 1, 1<<32 - 1} {
			c := &ent.Credential{ID: credentialBase + rank, Kind: kind}
			ref := credentialRef(c)
			if ref != prefix+strconv.Itoa(rank) {
				t.Errorf("credentialRef(%d %s) = %q", c.ID, kind, ref)
			}
			id, k, err := parseCredentialRef(ref)
			if err != nil || id != c.ID || k != kind {
				t.Errorf("parseCredentialRef(%q) = %d %q %v, want %d %q", ref, id, k, err, c.ID, kind)
			}
		}
		// Outside the range: the number, which reads back as a number.
		for _, id := range []int{1, credentialBase - 1, credentialBase + 1<<32} {
			ref := credentialRef(&ent.Credential{ID: id, Kind: kind})
			if back, k, err := parseCredentialRef(ref); ref != strconv.Itoa(id) || err != nil || back != id || k != "" {
				t.Errorf("id %d: %q reads back as %d %q %v", id, ref, back, k, err)
			}
		}
	}
	for _, bad := range []string{
		"١٢", "tok_١", "tok_٠", "７", "tok_７", "tok_¹", // digits of other scripts
		"99999999999999999999", "9223372036854775808", "-9223372036854775808", // past int64
		"tok_99999999999999999999", "tok_18446744073709551616", "tok_9223372036854775807", // past the range
		"-0", "+1", "tok_-0", "ref_+0", " 1", "1 ", "tok_ 1", "tok_1 ", "\ttok_1", "tok_1\n",
		"0x1f", "0b1", "1_000", "tok_1_0", "tok_0x1", "1e3", "tok_1e3",
		"tok_1tok_2", "tok_key_1", "tok__1", "tok", "_1", "ｔｏｋ_1", "tok_\xff", "\xff",
	} {
		if id, k, err := parseCredentialRef(bad); err == nil {
			t.Errorf("parseCredentialRef(%q) = %d %q, want an error", bad, id, k)
		}
	}
}

// TestTokenRevokeAttacks: token revoke against real stores: an id at the
// range's last rank or at int64's end, another entity's number, a prefix
// naming another kind, are no credential (exit 1) on SQLite and
// PostgreSQL alike; hostile spellings are usage errors (exit 2); nothing
// but the credential named is revoked, whoever owns it.
func TestTokenRevokeAttacks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		with := func(args ...string) []string { return append(args, store(t, dbURL)...) }
		ok(t, "", with("user", "create", "--email", "ada@example.com")...)
		ok(t, "", with("user", "create", "--email", "bob@example.com")...)
		ok(t, "", with("token", "create", "ada@example.com")...)
		ok(t, "", with("token", "create", "bob@example.com")...)
		list := func(email string) []credentialJSON {
			var l []credentialJSON
			if err := json.Unmarshal([]byte(ok(t, "", with("token", "list", email, "--json")...)), &l); err != nil || len(l) != 1 {
				t.Fatalf("token list %s: %v %+v", email, err, l)
			}
			return l
		}
		bob := list("bob@example.com")[0]
		rank := strings.TrimPrefix(bob.ShortID, credentialPrefixes[credential.KindAPIKey])
		for _, ref := range []string{
			"tok_" + rank, "ref_" + rank, // bob's key under the other kinds' prefixes
			fmt.Sprintf("key_%d", 1<<32-1), fmt.Sprintf("tok_%d", 1<<32-1), // the range's last rank
			"9223372036854775807", strconv.Itoa(credentialBase - 1), strconv.Itoa(credentialBase + 1<<32), // int64's end, the ranges beside
		} {
			r := cli(t, "", with("token", "revoke", ref)...)
			if r.Code != 1 || r.Err == nil || !(strings.Contains(r.Err.Error(), "no credential") || strings.Contains(r.Err.Error(), "not found")) {
				t.Errorf("revoke %s: exit %d %v", ref, r.Code, r.Err)
			}
		}
		for _, ref := range []string{"key_١", "99999999999999999999", "key_99999999999999999999", "key_4294967296", "-" + strconv.Itoa(bob.ID), "key_0" + rank} {
			r := cli(t, "", with("token", "revoke", "--id="+ref)...)
			if r.Code != 2 || r.Err == nil || !strings.Contains(r.Err.Error(), "is not a credential id") {
				t.Errorf("revoke %q: exit %d %v", ref, r.Code, r.Err)
			}
		}
		if l := list("ada@example.com"); l[0].State != "active" || list("bob@example.com")[0].State != "active" {
			t.Fatalf("a refused revoke revoked something: %+v", l)
		}
		if out := ok(t, "", with("token", "revoke", bob.ShortID)...); out != "revoked "+bob.ShortID+"\n" {
			t.Fatalf("revoke %s: %q", bob.ShortID, out)
		}
		if list("bob@example.com")[0].State != "revoked" || list("ada@example.com")[0].State != "active" {
			t.Fatalf("revoking bob's key: ada %+v bob %+v", list("ada@example.com"), list("bob@example.com"))
		}
	})
}
