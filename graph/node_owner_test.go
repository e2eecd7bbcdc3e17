package graph_test

import (
	"context"
	"encoding/json"
	"testing"

	"userbridge/ent/file"
	"userbridge/graph/gid"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// TestNodeFileOwnerFields shows a file's owner, reached through node(id),
// nodes and a user's files, whole: policy.ReadNode needs only the owner's
// id and role, and the owner it read for that (graph/node.go, withOwner)
// must not stand in for the owner the query shows, whose other columns it
// never read (a manager's owner.updatedAt answered INTERNAL, its email "").
func TestNodeFileOwnerFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		ctx := context.Background()
		admin := env.Admin(t, "root@example.com")
		manager := env.User(t, "manager@example.com")
		env.Store.Client.User.UpdateOne(manager).SetPrivileges([]string{"manage_users"}).ExecX(ctx)
		owner := env.User(t, "owner@example.com")
		f := env.Store.Client.File.Create().SetOwnerID(owner.ID).SetKind(file.KindAvatar).
			SetName("a.png").SetContentType("image/png").SetSize(1).SetSha256("x").
			SetStorageKey("test/owner").SaveX(ctx)
		owner = env.Store.Client.User.GetX(ctx, owner.ID)

		const fields = `id email login createdAt updatedAt`
		queries := map[string]string{
			"node":  `query($id: ID!) { node(id: $id) { ... on File { owner { ` + fields + ` } } } }`,
			"nodes": `query($id: ID!) { nodes(ids: [$id]) { ... on File { owner { ` + fields + ` } } } }`,
			"files": `query($u: ID!) { node(id: $u) { ... on User { files(first: 5) { edges { node { owner { ` + fields + ` } } } } } } }`,
		}
		narrowed := env.Issue(t, accounts.IssueInput{UserEmail: owner.Email, Scopes: []string{auth.ScopeIdentity}})
		viewers := map[string]string{
			"administrator": env.Token(t, admin),
			"manager":       env.Token(t, manager),
			"owner":         env.Token(t, owner),
		}
		for who, tok := range viewers {
			for name, q := range queries {
				res := env.GraphQL(t, tok, q, map[string]any{"id": gid.Encode(f.ID), "u": gid.Encode(owner.ID)})
				if len(res.Errors) != 0 {
					t.Fatalf("%s, %s: errors: %v", who, name, res.Errors)
				}
				var got struct {
					Owners []struct {
						ID, Email, Login     string
						CreatedAt, UpdatedAt string
					}
				}
				owners := ownersOf(t, res.Data)
				if err := json.Unmarshal(owners, &got.Owners); err != nil {
					t.Fatalf("%s, %s: %v in %s", who, name, err, res.Data)
				}
				if len(got.Owners) != 1 {
					t.Fatalf("%s, %s: %d owners in %s", who, name, len(got.Owners), res.Data)
				}
				o := got.Owners[0]
				if o.ID != gid.Encode(owner.ID) || o.Email != owner.Email || o.Login != owner.Login ||
					o.CreatedAt == "" || o.UpdatedAt == "" {
					t.Fatalf("%s, %s: owner %+v, want %s %s", who, name, o, owner.Email, owner.Login)
				}
			}
		}
		// A key narrowed to the identity scope reads no file (no files
		// scope): a refusal in the error vocabulary, never INTERNAL.
		for name, q := range queries {
			res := env.GraphQL(t, narrowed, q, map[string]any{"id": gid.Encode(f.ID), "u": gid.Encode(owner.ID)})
			for _, e := range res.Errors {
				if e.Code() == "INTERNAL" || e.Code() == "" {
					t.Fatalf("narrowed, %s: %v", name, res.Errors)
				}
			}
		}
	})
}

// ownersOf gathers every "owner" object of a response, in order.
func ownersOf(t *testing.T, data json.RawMessage) json.RawMessage {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	var owners []any
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if k == "owner" {
					owners = append(owners, c)
					continue
				}
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(v)
	b, _ := json.Marshal(owners)
	return b
}
