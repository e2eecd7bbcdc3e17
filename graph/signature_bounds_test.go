package graph_test

import (
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/imagedata/imagetest"
	"userbridge/internal/store/db/dbtest"
)

// Past the signature sets or bytes a user may keep, setExternalSignatures
// answers BAD_USER_INPUT with the bound's reason on field signatures;
// removing a set (an empty list) is always allowed.
func TestSetExternalSignaturesPastTheUserBoundsIsRefused(t *testing.T) {
	img := b64(imagetest.NoisePNG(20, 20, 6))
	for _, c := range []struct {
		name, reason string
		config       func(*app.Config)
	}{
		{"sets", "signature_sets_limit", func(c *app.Config) { c.SignatureSets = 2 }},
		{"bytes", "signature_bytes_limit", func(c *app.Config) { c.SignatureBytes = 4000 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, url string) {
				env := apptest.New(t, url, c.config)
				u := env.User(t, "bounded@example.com")
				tok := env.Token(t, u)
				set := func(app string, sigs ...any) apptest.GraphQLResponse {
					if sigs == nil {
						sigs = []any{}
					}
					return env.GraphQL(t, tok, `mutation($u: ID!, $a: String!, $s: [SignatureInput!]!) { setExternalSignatures(userId: $u, application: $a, signatures: $s) { id } }`,
						map[string]any{"u": gidOf(u.ID), "a": app, "s": sigs})
				}
				one := map[string]any{"format": "png", "encodedSignature": img}
				for _, app := range []string{"A", "B"} {
					if r := set(app, one); len(r.Errors) != 0 {
						t.Fatalf("%s: %+v", app, r.Errors)
					}
				}
				r := set("C", one)
				if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" ||
					r.Errors[0].Extensions["reason"] != c.reason || r.Errors[0].Extensions["field"] != "signatures" {
					t.Fatalf("past the bound: %+v", r.Errors)
				}
				if r := set("A"); len(r.Errors) != 0 {
					t.Fatalf("removing a set: %+v", r.Errors)
				}
				if r := set("C", one); len(r.Errors) != 0 {
					t.Fatalf("after removing one: %+v", r.Errors)
				}
			})
		})
	}
}
