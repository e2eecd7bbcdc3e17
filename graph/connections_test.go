package graph_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"userbridge/ent"
	"userbridge/ent/file"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// The Relay Cursor Connections spec, over a list held in memory: the
// reference the connections are compared with. Cursors are positions in
// the full ordered list (-1: absent); a cursor removes the edges at or
// before (after) or at or after (before) its position, which is the
// spec's ApplyCursorsToEdges whenever the cursor's edge is still there.
// An after cursor at or past a before cursor leaves no edge, as in
// graphql-relay-js and every keyset implementation.
type relayArgs struct {
	first, last   *int
	after, before int
}

type relayPage struct {
	ids              []string
	hasNext, hasPrev bool
}

func referencePage(all []string, a relayArgs) relayPage {
	lo, hi := 0, len(all)
	if a.after >= 0 {
		lo = a.after + 1
	}
	if a.before >= 0 {
		hi = a.before
	}
	edges := all[lo:max(lo, hi)] // ApplyCursorsToEdges
	first := a.first
	if first == nil && a.last == nil {
		first = new(50) // the default page size
	}
	page := relayPage{ids: edges}
	if first != nil {
		page.hasNext = len(edges) > *first
		if len(page.ids) > *first {
			page.ids = page.ids[:*first]
		}
	}
	if a.last != nil {
		page.hasPrev = len(edges) > *a.last
		if len(page.ids) > *a.last {
			page.ids = page.ids[len(page.ids)-*a.last:]
		}
	}
	return page
}

// connectionCase is one combination of arguments over one order.
type connectionCase struct {
	relayArgs
	order string // orderBy literal, "" for none
}

func (c connectionCase) String() string {
	show := func(p *int) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("order=%q first=%s last=%s after=%d before=%d", c.order, show(c.first), show(c.last), c.after, c.before)
}

// args is the argument list of c, cursors taken from cursors.
func (c connectionCase) args(cursors []string) string {
	var out []string
	if c.first != nil {
		out = append(out, fmt.Sprintf("first: %d", *c.first))
	}
	if c.last != nil {
		out = append(out, fmt.Sprintf("last: %d", *c.last))
	}
	if c.after >= 0 {
		out = append(out, fmt.Sprintf("after: %q", cursors[c.after]))
	}
	if c.before >= 0 {
		out = append(out, fmt.Sprintf("before: %q", cursors[c.before]))
	}
	if c.order != "" {
		out = append(out, "orderBy: "+c.order)
	}
	if len(out) == 0 {
		return ""
	}
	return "(" + strings.Join(out, ", ") + ")"
}

// combinations is every combination of first, last, after and before,
// each absent or present: sizes 0, 2 and the maximum, cursors at the first
// edge, inside the list and at the last edge, so that after and before
// fall before, inside and past each other's window.
func combinations(n int, orders []string, inside ...int) []connectionCase {
	sizes := []*int{nil, new(0), new(2), new(100)}
	var out []connectionCase
	for _, o := range orders {
		for _, f := range sizes {
			for _, l := range sizes {
				for _, a := range []int{-1, 0, inside[0], n - 1} {
					for _, b := range []int{-1, 0, inside[1], n - 1} {
						out = append(out, connectionCase{relayArgs{f, l, a, b}, o})
					}
				}
			}
		}
	}
	return out
}

type gotConnection struct {
	TotalCount *int
	Edges      []struct {
		Cursor string
		Node   struct{ ID string }
	}
	PageInfo struct {
		HasNextPage     bool
		HasPreviousPage bool
		StartCursor     *string
		EndCursor       *string
	}
}

const connectionSelection = `edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`

// pageInfoSelection asks for pageInfo without edges, and with totalCount:
// pageInfo must not change.
const pageInfoSelection = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount`

// checkCase compares what the service answered for c (with and without
// edges) with the reference over the full ordered list.
func checkCase(t *testing.T, c connectionCase, ids, cursors []string, with, without gotConnection) {
	t.Helper()
	want := referencePage(ids, c.relayArgs)
	var got []string
	for _, e := range with.Edges {
		got = append(got, e.Node.ID)
	}
	if !slices.Equal(got, want.ids) {
		t.Errorf("%v: edges %v, want %v", c, got, want.ids)
	}
	pi := with.PageInfo
	if pi.HasNextPage != want.hasNext || pi.HasPreviousPage != want.hasPrev {
		t.Errorf("%v: hasNextPage %v hasPreviousPage %v, want %v %v", c, pi.HasNextPage, pi.HasPreviousPage, want.hasNext, want.hasPrev)
	}
	for i, e := range with.Edges {
		if j := slices.Index(ids, e.Node.ID); j < 0 || cursors[j] != e.Cursor {
			t.Errorf("%v: edge %d's cursor differs from the same edge's in the full list", c, i)
		}
	}
	var start, end *string
	if n := len(with.Edges); n > 0 {
		start, end = &with.Edges[0].Cursor, &with.Edges[n-1].Cursor
	}
	if !equalPtr(pi.StartCursor, start) || !equalPtr(pi.EndCursor, end) {
		t.Errorf("%v: startCursor/endCursor are not the first and last edges' cursors", c)
	}
	if without.PageInfo != pi && !(equalPtr(without.PageInfo.StartCursor, pi.StartCursor) &&
		equalPtr(without.PageInfo.EndCursor, pi.EndCursor) &&
		without.PageInfo.HasNextPage == pi.HasNextPage && without.PageInfo.HasPreviousPage == pi.HasPreviousPage) {
		t.Errorf("%v: pageInfo changes with the selection: %+v with edges, %+v with totalCount only", c, pi, without.PageInfo)
	}
	if without.TotalCount == nil || *without.TotalCount != len(ids) {
		t.Errorf("%v: totalCount %v, want %d", c, without.TotalCount, len(ids))
	}
}

func equalPtr(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// TestConnectionsFollowTheRelaySpec compares every combination of first,
// last, after and before, with each order field and direction, with the
// spec's algorithm over the full ordered list: on the users connection and
// on a user's files, both as a nested connection of a page of users
// (loaded for the whole page at once) and under user(id:).
func TestConnectionsFollowTheRelaySpec(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		ctx := context.Background()
		client := env.Store.Client
		admin := env.Admin(t, "root@example.com")
		tok := env.Token(t, admin)
		// Order values repeat, so that the id decides ties.
		firsts := []string{"ann", "bob", "ann", "cy", "bob", "dee", "ann", "eve", "cy"}
		lasts := []string{"moss", "moss", "kay", "lund", "kay", "moss", "abel", "lund", "kay"}
		base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		for i := range firsts {
			env.User(t, fmt.Sprintf("u%02d@example.com", 9-i), func(in *accounts.CreateInput) {
				in.FirstName, in.LastName = firsts[i], lasts[i]
			})
		}
		owner := env.User(t, "owner@example.com")
		names := []string{"b.txt", "a.txt", "b.txt", "c.txt", "a.txt", "d.txt", "c.txt"}
		for i, name := range names {
			client.File.Create().SetOwnerID(owner.ID).SetKind(file.KindUserFile).SetName(name).
				SetContentType("text/plain").SetSize(1).SetSha256("x").SetStorageKey(fmt.Sprintf("t/%d", i)).
				SetCreatedAt(base.Add(time.Duration(i%3) * time.Second)).ExecX(ctx)
		}

		users := client.User.Query().AllX(ctx)
		userOrders := map[string]func(a, b *ent.User) int{
			"":                                    func(a, b *ent.User) int { return 0 },
			"{field: CREATED_AT, direction: ASC}": func(a, b *ent.User) int { return a.CreatedAt.Compare(b.CreatedAt) },
			"{field: UPDATED_AT, direction: ASC}": func(a, b *ent.User) int { return a.UpdatedAt.Compare(b.UpdatedAt) },
			"{field: EMAIL, direction: ASC}":      func(a, b *ent.User) int { return strings.Compare(a.Email, b.Email) },
			"{field: FIRST_NAME, direction: ASC}": func(a, b *ent.User) int { return strings.Compare(a.FirstName, b.FirstName) },
			"{field: LAST_NAME, direction: ASC}":  func(a, b *ent.User) int { return strings.Compare(a.LastName, b.LastName) },
		}
		for _, o := range slices.Collect(mapsKeys(userOrders)) {
			if f := userOrders[o]; o != "" {
				userOrders[strings.Replace(o, "ASC", "DESC", 1)] = func(a, b *ent.User) int { return -f(a, b) }
			}
		}
		// The reference order: the field, then the id, both in the direction asked for.
		userIDs := func(order string) []string {
			byField := userOrders[order]
			s := slices.Clone(users)
			desc := strings.Contains(order, "DESC")
			slices.SortFunc(s, func(a, b *ent.User) int {
				if c := byField(a, b); c != 0 {
					return c
				}
				if desc {
					return cmp.Compare(b.ID, a.ID)
				}
				return cmp.Compare(a.ID, b.ID)
			})
			var ids []string
			for _, u := range s {
				ids = append(ids, gidOf(u.ID))
			}
			return ids
		}

		files := client.File.Query().Where(file.OwnerID(owner.ID)).AllX(ctx)
		fileOrders := map[string]func(a, b *ent.File) int{
			"":                                    func(a, b *ent.File) int { return 0 },
			"{field: CREATED_AT, direction: ASC}": func(a, b *ent.File) int { return a.CreatedAt.Compare(b.CreatedAt) },
			"{field: NAME, direction: ASC}":       func(a, b *ent.File) int { return strings.Compare(a.Name, b.Name) },
		}
		for _, o := range slices.Collect(mapsKeys(fileOrders)) {
			if f := fileOrders[o]; o != "" {
				fileOrders[strings.Replace(o, "ASC", "DESC", 1)] = func(a, b *ent.File) int { return -f(a, b) }
			}
		}
		fileIDs := func(order string) []string {
			byField := fileOrders[order]
			s := slices.Clone(files)
			desc := strings.Contains(order, "DESC")
			slices.SortFunc(s, func(a, b *ent.File) int {
				if c := byField(a, b); c != 0 {
					return c
				}
				if desc {
					return cmp.Compare(b.ID, a.ID)
				}
				return cmp.Compare(a.ID, b.ID)
			})
			var ids []string
			for _, f := range s {
				ids = append(ids, gidOf(f.ID))
			}
			return ids
		}

		// query answers a document of two aliases, c (with edges) and p
		// (pageInfo and totalCount), at path inside data.
		query := func(t *testing.T, doc string, path ...string) (with, without gotConnection) {
			t.Helper()
			res := env.GraphQL(t, tok, doc, nil)
			if len(res.Errors) != 0 {
				t.Fatalf("%s: errors: %v", doc, res.Errors)
			}
			var data map[string]json.RawMessage
			res.Decode(t, &data)
			for _, alias := range []string{"c", "p"} {
				raw := data[alias]
				for _, key := range path {
					if key == "0" { // users(last: 1) has one edge, the owner
						var l []json.RawMessage
						if err := json.Unmarshal(raw, &l); err != nil || len(l) != 1 {
							t.Fatalf("%s: %s", doc, raw)
						}
						raw = l[0]
						continue
					}
					var m map[string]json.RawMessage
					if err := json.Unmarshal(raw, &m); err != nil {
						t.Fatalf("%s: %s", doc, raw)
					}
					raw = m[key]
				}
				dst := &with
				if alias == "p" {
					dst = &without
				}
				if err := json.Unmarshal(raw, dst); err != nil {
					t.Fatalf("%s: %v", raw, err)
				}
			}
			return with, without
		}

		t.Run("users", func(t *testing.T) {
			orders := slices.Sorted(mapsKeys(userOrders))
			cases := combinations(len(users), orders, 3, 6)
			cursors := map[string][]string{}
			for _, o := range orders {
				ids := userIDs(o)
				c := connectionCase{relayArgs{new(100), nil, -1, -1}, o}
				with, _ := query(t, fmt.Sprintf(`{ c: users%s { %s } p: users%s { %s } }`,
					c.args(nil), connectionSelection, c.args(nil), pageInfoSelection))
				for _, e := range with.Edges {
					cursors[o] = append(cursors[o], e.Cursor)
				}
				var got []string
				for _, e := range with.Edges {
					got = append(got, e.Node.ID)
				}
				if !slices.Equal(got, ids) {
					t.Fatalf("order %q: %v, want %v", o, got, ids)
				}
			}
			for _, c := range cases {
				a := c.args(cursors[c.order])
				with, without := query(t, fmt.Sprintf(`{ c: users%s { %s } p: users%s { %s } }`,
					a, connectionSelection, a, pageInfoSelection))
				checkCase(t, c, userIDs(c.order), cursors[c.order], with, without)
			}
			t.Logf("%d cases over %d orders", len(cases), len(orders))
		})

		t.Run("a user's files", func(t *testing.T) {
			orders := slices.Sorted(mapsKeys(fileOrders))
			cases := combinations(len(files), orders, 2, 4)
			ownerID := gidOf(owner.ID)
			// Alternate between the files of one user (user(id:), read on
			// their own) and those of every user of a page (loaded at once).
			doc := func(i int, args string) (string, []string) {
				if i%2 == 0 {
					return fmt.Sprintf(`{ c: user(id: %q) { files%s { %s } } p: user(id: %q) { files%s { %s } } }`,
						ownerID, args, connectionSelection, ownerID, args, pageInfoSelection), []string{"files"}
				}
				return fmt.Sprintf(`{ c: users(last: 1) { edges { node { files%s { %s } } } } p: users(last: 1) { edges { node { files%s { %s } } } } }`,
					args, connectionSelection, args, pageInfoSelection), []string{"edges", "0", "node", "files"}
			}
			cursors := map[string][]string{}
			for _, o := range orders {
				c := connectionCase{relayArgs{new(100), nil, -1, -1}, o}
				d, path := doc(0, c.args(nil))
				with, _ := query(t, d, path...)
				var got []string
				for _, e := range with.Edges {
					cursors[o] = append(cursors[o], e.Cursor)
					got = append(got, e.Node.ID)
				}
				if want := fileIDs(o); !slices.Equal(got, want) {
					t.Fatalf("order %q: %v, want %v", o, got, want)
				}
			}
			for i, c := range cases {
				d, path := doc(i, c.args(cursors[c.order]))
				with, without := query(t, d, path...)
				checkCase(t, c, fileIDs(c.order), cursors[c.order], with, without)
			}
			t.Logf("%d cases over %d orders", len(cases), len(orders))
		})
	})
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
