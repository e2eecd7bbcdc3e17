package graph_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/imagedata/imagetest"
	"userbridge/internal/rules/signatures"
	"userbridge/internal/store/db/dbtest"
)

// fillSignatures gives u sets of two ~1 MB images through the rules, up to
// the per-user byte bound, and returns their ids.
func fillSignatures(t *testing.T, env *apptest.Env, u *ent.User) []string {
	t.Helper()
	img := base64.StdEncoding.EncodeToString(imagetest.NoisePNG(500, 500, 7))
	v := &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
	var ids []string
	for i := 0; ; i++ {
		sigs, err := env.Signatures.ReplaceExternal(context.Background(), v, u.ID, fmt.Sprintf("app-%d", i),
			[]signatures.Input{{Format: "png", Encoded: img}, {Format: "png", Encoded: img}})
		if err != nil {
			return ids
		}
		for _, s := range sigs {
			ids = append(ids, gidOf(s.ID))
		}
	}
}

func wantAnswerRefused(t *testing.T, r apptest.GraphQLResponse) {
	t.Helper()
	if got := r.Codes(); len(got) != 1 || got[0] != "ANSWER_BYTES_LIMIT_EXCEEDED" {
		t.Fatalf("codes %v, errors %+v", got, r.Errors)
	}
	if d := strings.TrimSpace(string(r.Data)); d != "" && d != "null" {
		t.Fatalf("refused answer carries data: %.200s", d)
	}
}

// The attack after the fix: a user at the per-user bound reads all
// of its signatures in one answer (within GRAPHQL_MAX_ANSWER_BYTES), but
// one operation asking for more than the answer bound is refused before
// anything executes: a page of users' signatures, aliases repeating them,
// nodes(ids:) naming many signatures.
func TestSignatureAnswersAreBoundedBeforeExecution(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		admin := env.Admin(t, "admin@example.com")
		u := env.User(t, "full@example.com")
		ids := fillSignatures(t, env, u)
		if len(ids) < 8 {
			t.Fatalf("only %d signatures stored", len(ids))
		}
		tu, ta := env.Token(t, u), env.Token(t, admin)

		r := env.GraphQL(t, tu, `{ viewer { signatures { encodedSignature } } }`, nil)
		if len(r.Errors) != 0 || strings.Count(string(r.Data), "encodedSignature") != len(ids) {
			t.Fatalf("viewer's own signatures: %+v", r.Errors)
		}
		for name, q := range map[string]string{
			"users page":  `{ users(first: 2) { edges { node { signatures { encodedSignature } } } } }`,
			"aliases":     `{ viewer { a: signatures { encodedSignature } b: signatures { encodedSignature } } }`,
			"nodes":       `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Signature { encodedSignature } } }`,
			"fragment x2": `{ viewer { ...S s2: signatures { ...E } } } fragment S on User { signatures { ...E } } fragment E on Signature { encodedSignature }`,
		} {
			t.Run(name, func(t *testing.T) {
				many := make([]any, 20)
				for i := range many {
					many[i] = ids[i%len(ids)]
				}
				wantAnswerRefused(t, env.GraphQL(t, ta, q, map[string]any{"ids": many}))
			})
		}
		// Asking for what is small is not refused.
		r = env.GraphQL(t, ta, `{ users(first: 50) { edges { node { signatures { format } } } } }`, nil)
		if len(r.Errors) != 0 {
			t.Fatalf("formats only: %+v", r.Errors)
		}
	})
}

// Signatures stored before the per-user bounds existed (200 MiB in the
// issue) are still never answered past GRAPHQL_MAX_ANSWER_BYTES: each
// image is charged before it is encoded, and the answer is refused.
func TestOversizedStoredSignaturesAreRefusedWhileAnswering(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url, func(c *app.Config) { c.GraphQL.MaxAnswerBytes = 20 << 20 })
		u := env.User(t, "legacy@example.com")
		blob := imagetest.NoisePNG(500, 500, 9)
		ctx := context.Background()
		for i := range 20 { // written as an old release or a raw import would: no bound
			env.Store.Client.Signature.Create().SetOwnerID(u.ID).SetExternalApplication(fmt.Sprintf("old-%d", i)).
				SetFormat("png").SetData(blob).ExecX(ctx)
		}
		r := env.GraphQL(t, env.Token(t, u), `{ viewer { signatures { encodedSignature } } }`, nil)
		wantAnswerRefused(t, r)
	})
}
