package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"userbridge/graph/gid"
)

// scenario is one kind of request the harness measures.
type scenario struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"` // rest-read, graphql-read, write, upload
	Method  string `json:"method"`
	Path    string `json:"path"`
	Token   string `json:"-"`
	Body    string `json:"-"`
	Upload  int64  `json:"upload_bytes,omitempty"`
	Compare bool   `json:"-"` // byte-compare service and baseline first
	// ServiceOnly is measured on the service alone: the baseline has no
	// such route (the cheap writes, measured with and without the audit
	// trail: -service-env AUDIT_EVENTS=false).
	ServiceOnly bool `json:"service_only,omitempty"`
	// Each gives connection i the values of its {{key}}s (in the path,
	// the token and the body) from Each[i modulo its length]: load -each.
	Each []map[string]string `json:"-"`
}

const (
	viewerQuery = `query Viewer { viewer { id publicID email firstName lastName name role flags status createdAt } }`
	pageQuery   = `query UsersPage($first: Int!, $after: Cursor) { users(first: $first, after: $after) { ` +
		`edges { node { id publicID email avatar { id name } files { totalCount } } } pageInfo { hasNextPage } } }`
	// pageQueryNoInfo is pageQuery without pageInfo: entgql's Paginate ran
	// a COUNT over the whole table whenever pageInfo was asked for (no
	// longer, ent/template/pagination.tmpl); both are kept to show it.
	pageQueryNoInfo = `query UsersPage($first: Int!, $after: Cursor) { users(first: $first, after: $after) { ` +
		`edges { node { id publicID email avatar { id name } files { totalCount } } } } }`
	// filesPageQuery is the page as clients ask for it: each user's first
	// five files, not only their count (issue 20); filesPageCountQuery adds
	// the count.
	filesPageQuery = `query UsersFilesPage($first: Int!) { users(first: $first) { ` +
		`edges { node { id publicID email avatar { id name } files(first: 5) { edges { node { id name size } } } } } } }`
	filesPageCountQuery = `query UsersFilesPage($first: Int!) { users(first: $first) { ` +
		`edges { node { id publicID email avatar { id name } files(first: 5) { totalCount edges { node { id name size } } } } } } }`
)

// updateUserMutation is the cheapest GraphQL write: one name of the
// viewer's own, a new one each time (an unchanged value writes nothing).
const updateUserMutation = `mutation UpdateUser($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { id } }`

func gqlBody(op, query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"operationName": op, "query": query, "variables": vars})
	return string(b)
}

// scenarios are the issues': each dialect's main read, GraphQL viewer, a
// page of 50 users with avatars and file counts, the same page with each
// user's first five files, one upload, one write
// (last: argon2id leaves the heap large, which would inflate the upload's
// peak RSS).
func scenarios(d dataset, uploadBytes int64) []scenario {
	return []scenario{
		{Name: "edu-platform POST /api/v1/users/oauth", Kind: "rest-read", Method: "POST", Path: "/api/v1/users/oauth", Token: d.viewer, Compare: true},
		{Name: "edu-focus GET /users/@current", Kind: "rest-read", Method: "GET", Path: "/users/@current", Token: d.viewer, Compare: true},
		{Name: "users-v1 GET /v1/users/{id}", Kind: "rest-read", Method: "GET", Path: "/v1/users/usr_" + d.viewerPub, Token: d.viewer, Compare: true},
		{Name: "maarch GET /rest/users (whole list)", Kind: "rest-read", Method: "GET", Path: "/rest/users", Token: d.admin, Compare: true},
		{Name: "GraphQL viewer", Kind: "graphql-read", Method: "POST", Path: "/graphql", Token: d.viewer, Compare: true,
			Body: gqlBody("Viewer", viewerQuery, nil)},
		{Name: "GraphQL users(first: 50) + avatar + files.totalCount", Kind: "graphql-read", Method: "POST", Path: "/graphql", Token: d.admin, Compare: true,
			Body: gqlBody("UsersPage", pageQuery, map[string]any{"first": 50})},
		{Name: "GraphQL same page without pageInfo (no COUNT)", Kind: "graphql-read", Method: "POST", Path: "/graphql", Token: d.admin, Compare: true,
			Body: gqlBody("UsersPage", pageQueryNoInfo, map[string]any{"first": 50})},
		{Name: "GraphQL users(first: 50) + avatar + files(first: 5)", Kind: "graphql-read", Method: "POST", Path: "/graphql", Token: d.admin, Compare: true,
			Body: gqlBody("UsersFilesPage", filesPageQuery, map[string]any{"first": 50})},
		{Name: "GraphQL users(first: 50) + avatar + files(first: 5) + totalCount", Kind: "graphql-read", Method: "POST", Path: "/graphql", Token: d.admin, Compare: true,
			Body: gqlBody("UsersFilesPage", filesPageCountQuery, map[string]any{"first": 50})},
		{Name: fmt.Sprintf("edu-platform upload %d MiB", uploadBytes>>20), Kind: "upload", Method: "POST",
			Path: "/api/v1/users/user_files/upload", Token: d.upload, Upload: uploadBytes},
		// The cheap writes: one user's name changed, each a new value so
		// that it writes (and records its audit event).
		{Name: "users-v1 PUT /v1/users/{id} (name)", Kind: "write", Method: "PUT", Path: "/v1/users/usr_" + d.viewerPub,
			Token: d.admin, ServiceOnly: true, Body: `{"name":"Bench {{n}}"}`},
		{Name: "edu-focus PATCH /users/@current (first_name)", Kind: "write", Method: "PATCH", Path: "/users/@current",
			Token: d.viewer, ServiceOnly: true, Body: `{"first_name":"Bench{{n}}"}`},
		{Name: "GraphQL updateUser (firstName)", Kind: "write", Method: "POST", Path: "/graphql", Token: d.viewer, ServiceOnly: true,
			Body: gqlBody("UpdateUser", updateUserMutation, map[string]any{"id": gid.Encode(d.viewerID),
				"in": map[string]any{"firstName": "Bench{{n}}"}})},
		// The same writes spread over users, one per connection: every
		// write above changes the same row, whose lock then queues the
		// connections behind each write's whole transaction.
		{Name: "users-v1 PUT /v1/users/{id} (name), a user per connection", Kind: "write", Method: "PUT",
			Path: "/v1/users/usr_{{pub}}", Token: d.admin, ServiceOnly: true, Body: `{"name":"Bench {{n}}"}`, Each: d.each()},
		{Name: "edu-focus PATCH /users/@current (first_name), a user per connection", Kind: "write", Method: "PATCH",
			Path: "/users/@current", Token: "{{token}}", ServiceOnly: true, Body: `{"first_name":"Bench{{n}}"}`, Each: d.each()},
		{Name: "GraphQL updateUser (firstName), a user per connection", Kind: "write", Method: "POST", Path: "/graphql",
			Token: "{{token}}", ServiceOnly: true, Each: d.each(),
			Body: gqlBody("UpdateUser", updateUserMutation, map[string]any{"id": "{{gid}}",
				"in": map[string]any{"firstName": "Bench{{n}}"}})},
		{Name: "users-v1 POST /v1/users (argon2id)", Kind: "write", Method: "POST", Path: "/v1/users", Token: d.admin,
			Body: `{"email":"w{{n}}@bench.example","name":"Bench Writer","password":"correct-horse-battery"}`},
	}
}

// each is the per-connection values of the spread writes: a writer's
// token, public id and GraphQL id.
func (d dataset) each() []map[string]string {
	rows := make([]map[string]string, len(d.writers))
	for i, w := range d.writers {
		rows[i] = map[string]string{"token": w.Token, "pub": w.Pub, "gid": gid.Encode(w.ID)}
	}
	return rows
}

// diff describes where two bodies first differ.
func diff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	cut := func(x []byte) string {
		lo, hi := max(0, i-40), min(len(x), i+80)
		return strings.ReplaceAll(string(x[lo:hi]), "\n", `\n`)
	}
	return fmt.Sprintf("first difference at byte %d (lengths %d and %d):\n  service:  …%s…\n  baseline: …%s…", i, len(a), len(b), cut(a), cut(b))
}
