package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db/dbtest"
)

// mergeEnv: an administrator, Alice (two files) and Bob (one file), and
// Alice through an application with users:read, narrowed to identity
// (+files): she may list users and read her own files, never filter on an
// e-mail.
type mergeEnv struct {
	env                        *apptest.Env
	admin, aliceFiles, aliceID string
	aliceGID, bobGID           string
}

func newMergeEnv(t *testing.T, url string) *mergeEnv {
	env := apptest.New(t, url)
	ctx := context.Background()
	admin := env.Admin(t, "root@example.com")
	alice := env.User(t, "alice@example.com", func(in *accounts.CreateInput) { in.FirstName = "Alice" })
	bob := env.User(t, "bob@example.com", func(in *accounts.CreateInput) { in.FirstName = "Bob" })
	for u, names := range map[int][]string{alice.ID: {"alpha.txt", "beta.txt"}, bob.ID: {"secret-plan.txt"}} {
		owner := alice
		if u == bob.ID {
			owner = bob
		}
		v := &auth.Viewer{User: owner, Scopes: auth.AllScopes, Consented: true}
		for _, n := range names {
			if _, err := env.Files.UploadUserFile(ctx, v, u, files.Upload{Name: n, Body: strings.NewReader("xy")},
				files.UserFileInput{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	app, _ := env.Application(t, "reader", true, policy.PermUsersRead)
	ae := &mergeEnv{env: env, admin: env.Token(t, admin),
		aliceFiles: env.Issue(t, accounts.IssueInput{UserEmail: alice.Email, AppID: app.ClientID,
			Scopes: []string{auth.ScopeIdentity, auth.ScopeFiles}, Consent: true})}
	var ids struct{ Viewer struct{ ID string } }
	for tok, dst := range map[string]*string{env.Token(t, alice): &ae.aliceGID, env.Token(t, bob): &ae.bobGID} {
		r := env.GraphQL(t, tok, `{ viewer { id } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		r.Decode(t, &ids)
		*dst = ids.Viewer.ID
	}
	ae.aliceID = ae.aliceGID
	return ae
}

// refused: errors, and no count or page anywhere in data.
func refused(t *testing.T, r apptest.GraphQLResponse, doc string) {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("LEAK: no error for\n%s\ndata %s", doc, r.Data)
	}
	for _, w := range []string{"totalCount", "publicID"} {
		if strings.Contains(string(r.Data), w) {
			t.Fatalf("LEAK: a refused filter answered for\n%s\ncodes %v data %s", doc, r.Codes(), r.Data)
		}
	}
}

// TestFilterGuardSeesEveryWayOfGivingAFilter: every way of giving where or orderBy
// that guardFilters' early return (notGiven) could miss.
func TestFilterGuardSeesEveryWayOfGivingAFilter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ae := newMergeEnv(t, url)
		do := func(t *testing.T, doc string, vars map[string]any) apptest.GraphQLResponse {
			t.Helper()
			return ae.env.GraphQL(t, ae.aliceFiles, doc, vars)
		}
		emailB := map[string]any{"emailHasPrefix": "b"}
		cases := []struct {
			name, doc string
			vars      map[string]any
		}{
			{"where in a variable", `query($w: UserWhereInput) { users(first: 5, where: $w) { totalCount } }`,
				map[string]any{"w": emailB}},
			{"where from the variable's default, no variables sent",
				`query($w: UserWhereInput = {emailHasPrefix: "b"}) { users(first: 5, where: $w) { totalCount } }`, nil},
			{"orderBy from the variable's default",
				`query($o: UserOrder = {field: EMAIL, direction: ASC}) { users(first: 5, orderBy: $o) { totalCount edges { node { publicID } } } }`, nil},
			{"orderBy as a list variable",
				`query($o: UserOrder) { users(first: 5, orderBy: $o) { edges { node { publicID } } } }`,
				map[string]any{"o": map[string]any{"field": "EMAIL", "direction": "DESC"}}},
			{"alias and @include", `query($i: Boolean = true) { u: users(first: 5, where: {emailHasPrefix: "b"}) @include(if: $i) { totalCount } }`, nil},
			{"where: null and orderBy given", `{ users(first: 5, where: null, orderBy: {field: EMAIL, direction: ASC}) { edges { node { publicID } } } }`, nil},
			{"in a fragment on Query", `{ ...Q } fragment Q on Query { users(first: 5, where: {emailHasPrefix: "b"}) { totalCount } }`, nil},
			{"merged: bare field, then a fragment with where",
				`{ users(first: 5) { edges { node { publicID } } } ...Q } fragment Q on Query { users(first: 5, where: {emailHasPrefix: "b"}) { totalCount } }`, nil},
			{"merged: fragment with where first, then bare field",
				`{ ... on Query { users(first: 5, where: {emailHasPrefix: "b"}) { totalCount } } users(first: 5) { edges { node { publicID } } } }`, nil},
			{"merged: orderBy instance skipped by a variable false",
				`query($s: Boolean = false) { users(first: 5) { edges { node { publicID } } } users(first: 5, orderBy: {field: EMAIL, direction: ASC}) @skip(if: $s) { totalCount } }`, nil},
			{"nested files, where on the owner's e-mail in a variable",
				`query($w: FileWhereInput) { viewer { files(first: 5, where: $w) { totalCount } } }`,
				map[string]any{"w": map[string]any{"hasOwnerWith": []any{map[string]any{"emailHasPrefix": "a"}}}}},
			{"nested files via node(id:) and an inline fragment",
				`query($id: ID!) { node(id: $id) { ... on User { files(first: 5, where: {hasOwnerWith: [{emailHasPrefix: "a"}]}) { totalCount } } } }`,
				map[string]any{"id": ae.aliceGID}},
			{"nested files via nodes(ids:) and a named fragment",
				`query($ids: [ID!]!) { nodes(ids: $ids) { ...F } } fragment F on User { files(first: 5, where: {hasOwnerWith: [{emailHasPrefix: "a"}]}) { totalCount } }`,
				map[string]any{"ids": []string{ae.aliceGID}}},
			{"nested files in a page of users, aliased",
				`{ users(first: 5) { edges { node { f: files(first: 5, where: {hasOwnerWith: [{emailHasPrefix: "a"}]}) { totalCount } } } } }`, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { refused(t, do(t, c.doc, c.vars), c.doc) })
		}
	})
}

// TestMergedEdgesCarryNoOtherFieldsFilter: the connection view merges
// `x: edges` and `y: edges` (and their node) into one; it used to let
// entgql eager-load one `files` for both, so the filtered one (refused on
// x) answered for y, which has no where and passes guardFilters: an oracle
// on the e-mail prefix (found by an outside attack, fixed by views.merge).
func TestMergedEdgesCarryNoOtherFieldsFilter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ae := newMergeEnv(t, url)
		for _, prefix := range []string{"a", "zzz"} {
			doc := fmt.Sprintf(`{ users(first: 10) {
				x: edges { node { id files(first: 5, where: {hasOwnerWith: [{emailHasPrefix: %q}]}) { totalCount } } }
				y: edges { node { id files(first: 5) { totalCount edges { node { name } } } } } } }`, prefix)
			r := ae.env.GraphQL(t, ae.aliceFiles, doc, nil)
			var p struct {
				Users struct {
					Y []struct {
						Node struct {
							ID    string
							Files *struct {
								TotalCount int
								Edges      []struct{ Node struct{ Name string } }
							}
						}
					}
				}
			}
			if len(r.Data) > 0 && string(r.Data) != "null" {
				r.Decode(t, &p)
			}
			for _, e := range p.Users.Y {
				if e.Node.ID == ae.aliceGID {
					if e.Node.Files == nil || e.Node.Files.TotalCount != 2 || len(e.Node.Files.Edges) != 2 {
						t.Errorf("LEAK (prefix %q): Alice's unfiltered files answer %+v\ndoc %s\ncodes %v data %s",
							prefix, e.Node.Files, doc, r.Codes(), r.Data)
					}
				}
			}
		}
		// The same with the administrator: y must not be x's filtered page.
		doc := `{ users(first: 10) {
			x: edges { node { id files(first: 5, where: {nameHasPrefix: "beta"}) { totalCount } } }
			y: edges { node { id files(first: 5) { totalCount } } } } }`
		r := ae.env.GraphQL(t, ae.admin, doc, nil)
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		if !strings.Contains(string(r.Data), `"y":`) {
			t.Fatal(string(r.Data))
		}
		var p struct {
			Users struct {
				Y []struct {
					Node struct {
						ID    string
						Files struct{ TotalCount int }
					}
				}
			}
		}
		r.Decode(t, &p)
		for _, e := range p.Users.Y {
			if e.Node.ID == ae.aliceGID && e.Node.Files.TotalCount != 2 {
				t.Errorf("WRONG: y answered x's filtered files for Alice: %d\n%s", e.Node.Files.TotalCount, r.Data)
			}
		}
	})
}

// TestCachedViewsAnswerAsAlone: selections that could share a cached
// view (the same fragment under different parents, node/nodes, interfaces,
// @skip/@include on variables, the same field under different root fields)
// answer in one operation exactly as alone.
func TestCachedViewsAnswerAsAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ae := newMergeEnv(t, url)
		fragDefs := map[string]string{
			"F": `fragment F on User { files(first: 1) { totalCount edges { node { name } } } }`,
			"G": `fragment G on User { files(first: 1) { edges { node { size } } } }`,
		}
		varDefs := map[string]string{"yes": "Boolean!", "no": "Boolean!", "ids": "[ID!]!", "id": "ID!"}
		allVars := map[string]any{"yes": true, "no": false, "ids": []string{ae.aliceGID, ae.bobGID}, "id": ae.bobGID}
		// doc is an operation of body, declaring only what body uses.
		doc := func(body string) (string, map[string]any) {
			var decl, frag []string
			vars := map[string]any{}
			for _, n := range []string{"yes", "no", "ids", "id"} {
				if strings.Contains(body, "$"+n+")") || strings.Contains(body, "$"+n+" ") {
					decl = append(decl, "$"+n+": "+varDefs[n])
					vars[n] = allVars[n]
				}
			}
			for _, n := range []string{"F", "G"} {
				if strings.Contains(body, "..."+n+" ") {
					frag = append(frag, fragDefs[n])
				}
			}
			q := "query"
			if len(decl) > 0 {
				q += "(" + strings.Join(decl, ", ") + ")"
			}
			return q + " { " + body + " } " + strings.Join(frag, " "), vars
		}
		pieces := []string{
			`p1: viewer { files(first: 1) { totalCount edges { node { name } } } }`,
			`p2: users(first: 10) { edges { node { email files(first: 5) { n: totalCount pageInfo { hasNextPage } } } } }`,
			`p3: node(id: $id) { ... on User { files(first: 2) { edges { node { size } } } } }`,
			`p4: nodes(ids: $ids) { ...F }`,
			`p5: users(first: 10) { edges { node { ...F } } }`,
			`p6: users(first: 10) { edges { node { ...G } } }`,
			`p7: users(first: 10) { edges { node { files(first: 5) { totalCount @include(if: $yes) edges @skip(if: $yes) { node { name } } } } } }`,
			`p8: users(first: 10) { edges { node { files(first: 5) { totalCount @include(if: $no) edges @skip(if: $no) { node { name } } } } } }`,
			`p9: users(first: 10) { edges { node { ... on Node { id } ... on User { files(first: 3) { t: totalCount } } } } }`,
			`p10: users(first: 10) { edges @include(if: $yes) { node { email } } totalCount @skip(if: $yes) }`,
			`p11: users(first: 10) { edges @include(if: $no) { node { email } } totalCount @skip(if: $no) }`,
			`p12: users(last: 2) { e: edges { node { files(last: 1) { edges { node { name } } } } } edges { node { login } } }`,
		}
		alone := map[string]string{}
		for i, p := range pieces {
			d, v := doc(p)
			r := ae.env.GraphQL(t, ae.admin, d, v)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %v", p, r.Errors)
			}
			var m map[string]json.RawMessage
			r.Decode(t, &m)
			alone[fmt.Sprintf("p%d", i+1)] = string(m[fmt.Sprintf("p%d", i+1)])
		}
		for round := range 5 {
			order := slices.Clone(pieces)
			if round%2 == 1 {
				slices.Reverse(order)
			}
			d, v := doc(strings.Join(order, "\n"))
			r := ae.env.GraphQL(t, ae.admin, d, v)
			if len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			var m map[string]json.RawMessage
			r.Decode(t, &m)
			for k, v := range alone {
				if string(m[k]) != v {
					t.Errorf("round %d %s together:\n%s\nalone:\n%s", round, k, m[k], v)
				}
			}
		}
	})
}
