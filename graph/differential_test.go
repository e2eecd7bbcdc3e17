package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"userbridge/bench/seed"
	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/ent/user"
	"userbridge/graph"
	"userbridge/graph/gid"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/budget"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db/dbtest"
)

// The differential test: generated documents (seeded, so every run sends
// the same ones) go to two services on one database, one loading a page
// and its edges as planned (the default options) and one loading them edge
// by edge (edgeByEdge), as several viewers; the answers must be the same
// bytes. The generator covers every list and connection of the schema's
// queries: users, a user's files, avatar, signatures and legacy ids, a
// file's or a signature's owner, the audit trail (auditEvents),
// applications and authorized applications, node(id:) and nodes(ids:)
// over users, files, signatures, credentials, audit events and unknown
// ids, and a credential's user; with first, last, after, before, orderBy,
// where and filter, aliases, named and inline fragments, totalCount and
// pageInfo, within the document, cost and answer-bytes limits.
// TestDifferentialDocumentsAreValid checks that each part is answered
// with data in some documents.
const differentialDocuments = 500

// differentialSeed fixes the documents; change it to explore others.
const differentialSeed = 28

// edgeByEdge configures the service that loads every edge of a page by a
// statement of its own (graph.Options.EdgeByEdge) and answers every
// query through gqlgen's executor (graph.Options.FieldByField): the
// reference the planned loader and the direct answers are compared with. TestDifferentialDetectsADifference
// shows the comparison fails when the two do not answer alike.
func edgeByEdge(c *app.Config) {
	if c.GraphQL == (graph.Options{}) {
		c.GraphQL = graph.DefaultOptions
	}
	c.GraphQL.EdgeByEdge = true
	c.GraphQL.FieldByField = true
}

// differentialEnv is the data set and the viewers of the test.
type differentialEnv struct {
	url     string
	tokens  []namedToken
	cursors cursorPool
	userIDs []string // global ids of users
	fileIDs []string // global ids of files
	// Global ids of the other node types, for node(id:) and nodes(ids:):
	// signatures, credentials no request authenticates with (a used one's
	// lastUsedAt would move between the two services' answers), audit
	// events.
	sigIDs, credIDs, eventIDs []string
	now                       time.Time
}

type namedToken struct{ name, token string }

// cursorPool holds real cursors per order literal ("" for none): users'
// under "users", files' under "files".
type cursorPool map[string]map[string][]string

// differentialConfig is both services' configuration but the loading: a
// fixed clock (signed links carry their expiry), no budget (its points
// refill with time), and the planned loading on both backends.
func differentialConfig(now time.Time) func(*app.Config) {
	return func(cfg *app.Config) {
		cfg.Now = func() time.Time { return now }
		cfg.Budget = budget.Settings{}
		// SQLite's default is edge by edge; edgeByEdge's
		// GraphQL.EdgeByEdge wins over this.
		cfg.GraphQLLoading = app.LoadingPlanned
	}
}

func newDifferentialEnv(t *testing.T, url string) *differentialEnv {
	t.Helper()
	ctx := context.Background()
	res, err := seed.Run(ctx, url, seed.Options{Users: 40, FileShare: 0.5, RestShare: 0.05,
		StorageDir: filepath.Join(t.TempDir(), "files")})
	if err != nil {
		t.Fatal(err)
	}
	d := &differentialEnv{url: url, now: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)}
	env := apptest.New(t, url, differentialConfig(d.now))
	manager := env.User(t, "manager@example.com", func(in *accounts.CreateInput) {
		in.Privileges = []string{"manage_users"}
		in.FirstName = "Alice"
	})
	d.tokens = []namedToken{
		{"admin", res.AdminToken},
		{"manager", env.Token(t, manager)},
		{"user", res.ViewerToken},
		// The administrator's key narrowed to identity and email: files,
		// names and legacy ids are refused field by field.
		{"narrowed", env.Issue(t, accounts.IssueInput{UserEmail: "user000001@bench.example",
			Scopes: []string{auth.ScopeIdentity, auth.ScopeEmail}})},
	}
	d.enrich(t, env, res)
	d.cursors = cursorPool{"users": {}, "files": {}, "audit": {}}
	for _, order := range userOrders {
		var page struct {
			Users struct {
				Edges []struct {
					Cursor string
					Node   struct{ ID string }
				}
			}
		}
		q := fmt.Sprintf(`{ users(first: 100%s) { edges { cursor node { id } } } }`, orderArg(order))
		r := env.GraphQL(t, res.AdminToken, q, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %v", q, r.Errors)
		}
		r.Decode(t, &page)
		for _, e := range page.Users.Edges {
			d.cursors["users"][order] = append(d.cursors["users"][order], e.Cursor)
			if order == "" {
				d.userIDs = append(d.userIDs, e.Node.ID)
			}
		}
	}
	for _, order := range fileOrders {
		var page struct {
			Users struct {
				Edges []struct {
					Node struct {
						Files struct {
							Edges []struct {
								Cursor string
								Node   struct{ ID string }
							}
						}
					}
				}
			}
		}
		q := fmt.Sprintf(`{ users(first: 100) { edges { node { files(first: 20%s) { edges { cursor node { id } } } } } } }`, orderArg(order))
		r := env.GraphQL(t, res.AdminToken, q, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %v", q, r.Errors)
		}
		r.Decode(t, &page)
		for _, u := range page.Users.Edges {
			for _, e := range u.Node.Files.Edges {
				d.cursors["files"][order] = append(d.cursors["files"][order], e.Cursor)
				if order == "" {
					d.fileIDs = append(d.fileIDs, e.Node.ID)
				}
			}
		}
	}
	var events struct {
		AuditEvents struct {
			Edges []struct {
				Cursor string
				Node   struct{ ID string }
			}
		}
	}
	r := env.GraphQL(t, res.AdminToken, `{ auditEvents(first: 100) { edges { cursor node { id } } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("audit events: %v", r.Errors)
	}
	r.Decode(t, &events)
	for _, e := range events.AuditEvents.Edges {
		d.cursors["audit"][""] = append(d.cursors["audit"][""], e.Cursor)
		d.eventIDs = append(d.eventIDs, e.Node.ID)
	}
	if len(d.userIDs) < 40 || len(d.fileIDs) < 20 || len(d.sigIDs) < 20 || len(d.credIDs) < 4 || len(d.eventIDs) < 10 {
		t.Fatalf("data set too small: %d users, %d files, %d signatures, %d credentials, %d audit events",
			len(d.userIDs), len(d.fileIDs), len(d.sigIDs), len(d.credIDs), len(d.eventIDs))
	}
	return d
}

// enrich adds what the bench seed has none of: signatures (external and
// the service's own), legacy ids, applications the viewer and the
// administrator authorized, credentials, and the audit events some
// GraphQL changes write.
func (d *differentialEnv) enrich(t *testing.T, env *apptest.Env, res *seed.Result) {
	t.Helper()
	ctx := context.Background()
	c := env.Store.Client
	users := c.User.Query().Order(ent.Asc(user.FieldID)).AllX(ctx)
	var admin *ent.User
	for i, u := range users {
		if u.Email == "user000001@bench.example" {
			admin = u
		}
		if i%3 == 1 || u.ID == res.ViewerID {
			for j := range 1 + i%3 {
				sc := c.Signature.Create().SetOwnerID(u.ID).SetFormat([]string{"png", "jpeg"}[j%2]).
					SetData([]byte(fmt.Sprintf("signature %d of %d", j, u.ID)))
				if (i+j)%4 != 0 {
					sc.SetExternalApplication([]string{"maarch", "edufocus", "parapheur"}[(i+j)%3])
				}
				d.sigIDs = append(d.sigIDs, gid.Encode(sc.SaveX(ctx).ID))
			}
		}
		if i%4 == 2 {
			for j, dl := range []legacyid.Dialect{legacyid.DialectEduplatform, legacyid.DialectEdufocus,
				legacyid.DialectUsersv1, legacyid.DialectMaarch} {
				if (i+j)%2 == 0 {
					continue
				}
				v := map[legacyid.Dialect]string{legacyid.DialectEduplatform: fmt.Sprint(9000 + i),
					legacyid.DialectEdufocus: fmt.Sprintf("LGCY%04d", i), legacyid.DialectUsersv1: fmt.Sprintf("usr_LGCY%04d", i),
					legacyid.DialectMaarch: fmt.Sprint(7000 + i)}[dl]
				if err := legacyids.Assign(ctx, c, u.ID, dl, v); err != nil {
					t.Fatalf("legacy id %s %s: %v", dl, v, err)
				}
			}
		}
	}
	if admin == nil {
		t.Fatal("no administrator in the seed")
	}
	for i, verified := range []bool{true, false, true} {
		a, _ := env.Application(t, fmt.Sprintf("Differential %d", i), verified, []string{"users:read"}[:i%2]...)
		for _, id := range []int{res.ViewerID, admin.ID}[:1+i%2] {
			c.Consent.Create().SetUserID(id).SetApplicationID(a.ID).SetScopes([]string{"identity", "email"}[:1+i%2]).ExecX(ctx)
		}
		for _, email := range []string{"user000002@bench.example", "user000001@bench.example"} {
			_, cred, err := env.Accounts.Issue(ctx, accounts.IssueInput{UserEmail: email, AppID: a.ClientID,
				Scopes: []string{auth.ScopeIdentity, auth.ScopeEmail}, Consent: true})
			if err != nil {
				t.Fatal(err)
			}
			d.credIDs = append(d.credIDs, gid.Encode(cred.ID))
		}
	}
	_, cred, err := env.Accounts.Issue(ctx, accounts.IssueInput{UserEmail: "user000002@bench.example"})
	if err != nil {
		t.Fatal(err)
	}
	d.credIDs = append(d.credIDs, gid.Encode(cred.ID))
	// Changes through GraphQL write audit events that name the route.
	for i, u := range users[3:9] {
		id := gid.Encode(u.ID)
		m := fmt.Sprintf(`mutation { updateUser(id: %q, input: {firstName: "Renamed%d"}) { id } }`, id, i)
		if i%2 == 1 {
			m = fmt.Sprintf(`mutation { banUser(id: %q) { id } }`, id)
		}
		if r := env.GraphQL(t, res.AdminToken, m, nil); len(r.Errors) > 0 {
			t.Fatalf("%s: %v", m, r.Errors)
		}
	}
	r := env.GraphQL(t, res.ViewerToken, `mutation { createApiKey(scopes: ["identity"]) { credential { id } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("createApiKey: %v", r.Errors)
	}
}

func orderArg(order string) string {
	if order == "" {
		return ""
	}
	return ", orderBy: " + order
}

var userOrders = func() []string {
	out := []string{""}
	for _, f := range []string{"CREATED_AT", "UPDATED_AT", "EMAIL", "FIRST_NAME", "LAST_NAME"} {
		for _, d := range []string{"ASC", "DESC"} {
			out = append(out, fmt.Sprintf("{field: %s, direction: %s}", f, d))
		}
	}
	return out
}()

var fileOrders = func() []string {
	out := []string{""}
	for _, f := range []string{"CREATED_AT", "NAME"} {
		for _, d := range []string{"ASC", "DESC"} {
			out = append(out, fmt.Sprintf("{field: %s, direction: %s}", f, d))
		}
	}
	return out
}()

// docGen writes one document. Connection fields are aliased whenever a
// selection set already has one of the same name, so that no two fields
// with one response name and different arguments meet (a validation
// error); scalars repeat freely, as fragments and inline fragments merge
// them.
type docGen struct {
	r       *rand.Rand
	d       *differentialEnv
	b       strings.Builder
	aliases int
	frags   map[string]string // fragment name → definition
	vars    []string          // variable definitions
	values  map[string]any
	// noUserName: the next user selection sits beside a File's under
	// node(id:), where User.name (String) and File.name (String!) would
	// conflict.
	noUserName bool
	// mult is the number of times the field being written is answered:
	// the product of the list sizes above it, as the cost limit counts
	// them. A list whose size no argument bounds (signatures) is only
	// written where it keeps the document within the limit.
	mult int
	// images: a user's signature images are in the document already;
	// the answer's bytes bound admits one user's.
	images bool
}

// documents returns n documents and their variables, the same for a seed.
func (d *differentialEnv) documents(n int, seed uint64) []genDoc {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]genDoc, n)
	for i := range out {
		g := &docGen{r: r, d: d, frags: map[string]string{}, values: map[string]any{}, mult: 1}
		out[i] = g.document(i)
	}
	return out
}

type genDoc struct {
	query string
	vars  map[string]any
}

func (g *docGen) document(i int) genDoc {
	var body strings.Builder
	roots := 1 + g.r.IntN(2)
	used := map[string]bool{}
	for range roots {
		switch k := g.r.IntN(20); {
		case k < 10:
			g.b.Reset()
			g.connection("users", "users", userOrders, used, 3, 20)
			body.WriteString(g.b.String())
		case k < 11: // administrators only: not too often
			g.b.Reset()
			g.connection("auditEvents", "audit", []string{""}, used, 1, 20)
			body.WriteString(g.b.String())
		case k < 12:
			body.WriteString(g.aliased("viewer", used) + " { ")
			g.b.Reset()
			g.userSelection(2)
			body.WriteString(g.b.String() + "} ")
		case k < 14:
			id := g.d.userIDs[g.r.IntN(len(g.d.userIDs))]
			fmt.Fprintf(&body, "%s(id: %q) { ", g.aliased("user", used), id)
			g.b.Reset()
			g.userSelection(2)
			body.WriteString(g.b.String() + "} ")
		case k < 15:
			g.b.Reset()
			if g.r.IntN(2) == 0 {
				g.b.WriteString(g.aliased("applications", used) + " { ")
				g.applicationSelection()
			} else {
				g.b.WriteString(g.aliased("authorizedApplications", used) + " { ")
				g.scalars([]string{"scopes", "createdAt", "updatedAt", "__typename"})
				g.b.WriteString("application { ")
				g.applicationSelection()
				g.b.WriteString("} ")
			}
			body.WriteString(g.b.String() + "} ")
		case k < 18:
			g.b.Reset()
			fmt.Fprintf(&g.b, "%s(id: %q) { ", g.aliased("node", used), g.anyID())
			g.nodeSelection()
			body.WriteString(g.b.String() + "} ")
		default:
			g.b.Reset()
			ids := make([]string, 1+g.r.IntN(5))
			for i := range ids {
				ids[i] = fmt.Sprintf("%q", g.anyID())
			}
			fmt.Fprintf(&g.b, "%s(ids: [%s]) { ", g.aliased("nodes", used), strings.Join(ids, ", "))
			g.mult = len(ids)
			g.nodeSelection()
			g.mult = 1
			body.WriteString(g.b.String() + "} ")
		}
	}
	var doc strings.Builder
	doc.WriteString("query D" + fmt.Sprint(i))
	if len(g.vars) > 0 {
		doc.WriteString("(" + strings.Join(g.vars, ", ") + ")")
	}
	doc.WriteString(" { " + body.String() + "}")
	names := make([]string, 0, len(g.frags))
	for n := range g.frags {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		doc.WriteString("\n" + g.frags[n])
	}
	var vars map[string]any
	if len(g.values) > 0 {
		vars = g.values
	}
	return genDoc{query: doc.String(), vars: vars}
}

// aliased returns name the first time a selection set has it, and an alias
// for it after.
func (g *docGen) aliased(name string, used map[string]bool) string {
	if !used[name] && g.r.IntN(4) > 0 {
		used[name] = true
		return name
	}
	g.aliases++
	return fmt.Sprintf("%s%d: %s", name, g.aliases, name)
}

// connection writes field(args) { ... } for users or files; depth is the
// connections still allowed below, maxFirst bounds first and last (the
// cost limit multiplies them down the tree).
func (g *docGen) connection(field, kind string, orders []string, used map[string]bool, depth, maxFirst int) {
	var args []string
	order := orders[g.r.IntN(len(orders))]
	if g.r.IntN(3) == 0 {
		order = ""
	}
	hasFirst, hasLast := false, false
	switch k := g.r.IntN(10); {
	case k < 5:
		hasFirst = true
	case k < 8:
		hasLast = true
	case k < 9:
		hasFirst, hasLast = true, true
	}
	if depth < 3 && !hasFirst && !hasLast {
		hasFirst = true // the default page of 50 under a page is over the cost limit
	}
	firstN := 0
	if hasFirst {
		n := g.r.IntN(maxFirst + 1)
		firstN = n
		if g.r.IntN(5) == 0 {
			name := fmt.Sprintf("first%d", len(g.vars))
			g.vars = append(g.vars, "$"+name+": Int")
			g.values[name] = n
			args = append(args, "first: $"+name)
		} else {
			args = append(args, fmt.Sprintf("first: %d", n))
		}
	}
	size := 50 // the default page
	if hasFirst {
		size = firstN
	}
	if hasLast {
		n := g.r.IntN(maxFirst + 1)
		args = append(args, fmt.Sprintf("last: %d", n))
		size = n
		if hasFirst {
			size = max(firstN, n) // the cost limit's count, whichever it takes
		}
	}
	pool := g.d.cursors[kind][order]
	if g.r.IntN(10) == 0 { // now and then a cursor of another order
		pool = g.d.cursors[kind][orders[g.r.IntN(len(orders))]]
	}
	if len(pool) > 0 && g.r.IntN(3) == 0 {
		args = append(args, fmt.Sprintf("after: %q", pool[g.r.IntN(len(pool))]))
	}
	if len(pool) > 0 && g.r.IntN(4) == 0 {
		args = append(args, fmt.Sprintf("before: %q", pool[g.r.IntN(len(pool))]))
	}
	if order != "" {
		args = append(args, "orderBy: "+order)
	}
	if kind == "audit" && g.r.IntN(2) == 0 {
		args = append(args, "filter: "+auditFilters[g.r.IntN(len(auditFilters))])
	} else if kind != "audit" && g.r.IntN(3) == 0 {
		args = append(args, "where: "+g.where(kind, 2))
	}
	g.r.Shuffle(len(args), func(i, j int) { args[i], args[j] = args[j], args[i] })
	g.b.WriteString(g.aliased(field, used))
	if len(args) > 0 {
		g.b.WriteString("(" + strings.Join(args, ", ") + ")")
	}
	g.b.WriteString(" { ")
	parts := []func(){
		func() { g.b.WriteString("totalCount ") },
		func() {
			g.b.WriteString("pageInfo { ")
			for _, f := range []string{"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"} {
				if g.r.IntN(2) == 0 {
					g.b.WriteString(f + " ")
				}
			}
			g.b.WriteString("__typename } ")
		},
		func() {
			g.b.WriteString("edges { ")
			if g.r.IntN(2) == 0 {
				g.b.WriteString("cursor ")
			}
			g.b.WriteString("node { ")
			saved := g.mult
			g.mult *= max(size, 1)
			defer func() { g.mult = saved }()
			switch kind {
			case "users":
				g.userSelectionN(depth-1, maxFirst)
			case "files":
				g.fileSelectionN(depth-1, maxFirst)
			default:
				g.auditSelection(false)
			}
			g.b.WriteString("} } ")
		},
	}
	picked := 0
	for _, p := range parts {
		if g.r.IntN(3) > 0 {
			p()
			picked++
		}
	}
	if picked == 0 {
		parts[2]()
	}
	g.b.WriteString("} ")
}

func (g *docGen) userSelection(depth int) { g.userSelectionN(depth, 5) }
func (g *docGen) fileSelection(depth int) { g.fileSelectionN(depth, 5) }

var userScalars = []string{"id", "publicID", "email", "firstName", "lastName", "name", "role", "flags", "status",
	"createdAt", "updatedAt", "username", "verified", "mode", "login", "privileges", "__typename"}
var fileScalars = []string{"id", "name", "size", "kind", "nature", "contentType", "fileType", "sha256", "createdAt",
	"scenarioID", "expiresAt", "url", "__typename"}

func (g *docGen) scalars(list []string) {
	n := 1 + g.r.IntN(4)
	for range n {
		g.b.WriteString(list[g.r.IntN(len(list))] + " ")
	}
}

func (g *docGen) userSelectionN(depth, maxFirst int) {
	list, prefix := userScalars, "U"
	if g.noUserName {
		list, prefix = slices.DeleteFunc(slices.Clone(userScalars), func(s string) bool { return s == "name" }), "UN"
		g.noUserName = false
	}
	g.scalars(list)
	used := map[string]bool{}
	if g.r.IntN(3) == 0 {
		g.b.WriteString(g.aliased("avatar", used) + " { ")
		g.scalars(fileScalars)
		g.b.WriteString("} ")
	}
	if depth > 0 {
		for range g.r.IntN(3) {
			g.connection("files", "files", fileOrders, used, depth, max(1, maxFirst/2))
		}
	}
	if g.mult <= 2 && g.r.IntN(3) == 0 {
		g.b.WriteString(g.aliased("signatures", used) + " { ")
		saved := g.mult
		g.mult *= 50 // the page size the cost limit charges a list with
		// A user's images count at the per-user bound against the
		// answer's bytes: one user's fit, a page's do not.
		g.signatureSelection(depth-1, saved == 1 && !g.images)
		g.images = g.images || saved == 1
		g.mult = saved
		g.b.WriteString("} ")
	}
	if g.r.IntN(6) == 0 { // refused to all but administrators: not too often
		g.b.WriteString(g.aliased("legacyIds", used) + " { ")
		g.scalars([]string{"eduplatform", "edufocus", "usersv1", "maarch", "__typename"})
		g.b.WriteString("} ")
	}
	switch g.r.IntN(4) {
	case 0:
		name := fmt.Sprintf("%s%d", prefix, g.r.IntN(3))
		if _, ok := g.frags[name]; !ok {
			var fb strings.Builder
			fb.WriteString("fragment " + name + " on User { ")
			for range 1 + g.r.IntN(3) {
				fb.WriteString(list[g.r.IntN(len(list))] + " ")
			}
			fb.WriteString("}")
			g.frags[name] = fb.String()
		}
		g.b.WriteString("..." + name + " ")
	case 1:
		g.b.WriteString("... on User { ")
		g.scalars(list)
		g.b.WriteString("} ")
	}
}

func (g *docGen) fileSelectionN(depth, maxFirst int) {
	g.scalars(fileScalars)
	if depth > 0 && g.r.IntN(3) == 0 {
		g.b.WriteString("owner { ")
		g.userSelectionN(depth-1, maxFirst)
		g.b.WriteString("} ")
	}
	switch g.r.IntN(4) {
	case 0:
		name := fmt.Sprintf("F%d", g.r.IntN(3))
		if _, ok := g.frags[name]; !ok {
			g.frags[name] = "fragment " + name + " on File { " + fileScalars[g.r.IntN(len(fileScalars))] + " size }"
		}
		g.b.WriteString("..." + name + " ")
	case 1:
		g.b.WriteString("... on File { ")
		g.scalars(fileScalars)
		g.b.WriteString("} ")
	}
}

// anyID is the global id of a user, a file, a signature, a credential or
// an audit event, or one that names nothing.
func (g *docGen) anyID() string {
	pools := [][]string{g.d.userIDs, g.d.fileIDs, g.d.sigIDs, g.d.credIDs, g.d.eventIDs, {"dW5rbm93bjo5OTk5OTk"}}
	pool := pools[g.r.IntN(len(pools))]
	return pool[g.r.IntN(len(pool))]
}

// nodeSelection is the selection of node(id:) or nodes(ids:): a fragment
// for every type an id may name. Fields of one response name must have
// one type across them, so User.name (String) never meets File.name
// (String!), and the kinds of a credential and an event are aliased.
func (g *docGen) nodeSelection() {
	g.b.WriteString("__typename ")
	if g.r.IntN(2) == 0 {
		g.b.WriteString("id ")
	}
	types := []func(){
		func() {
			g.b.WriteString("... on User { ")
			g.noUserName = true
			g.userSelection(1)
			g.b.WriteString("} ")
		},
		func() { g.b.WriteString("... on File { "); g.fileSelection(1); g.b.WriteString("} ") },
		func() { g.b.WriteString("... on Signature { "); g.signatureSelection(1, false); g.b.WriteString("} ") },
		func() { g.b.WriteString("... on Credential { "); g.credentialSelection(); g.b.WriteString("} ") },
		func() { g.b.WriteString("... on AuditEvent { "); g.auditSelection(true); g.b.WriteString("} ") },
	}
	for _, f := range types {
		if g.r.IntN(4) > 0 {
			f()
		}
	}
}

// signatureScalars ends with the image and __typename.
var signatureScalars = []string{"id", "createdAt", "externalApplication", "format", "__typename", "encodedSignature"}

// signatureSelection aliases the owner (signedBy): under node(id:) a
// File's owner and a Signature's would otherwise merge, and their
// connections with different arguments conflict.
func (g *docGen) signatureSelection(depth int, images bool) {
	list := signatureScalars
	if !images {
		list = list[:len(list)-1]
	}
	g.scalars(list)
	if depth > 0 && g.r.IntN(3) == 0 {
		g.b.WriteString("signedBy: owner { ")
		g.userSelectionN(0, 5)
		g.b.WriteString("} ")
	}
	if g.r.IntN(4) == 0 {
		name := fmt.Sprintf("S%d", g.r.IntN(2))
		if _, ok := g.frags[name]; !ok {
			g.frags[name] = "fragment " + name + " on Signature { " + signatureScalars[g.r.IntN(len(signatureScalars)-1)] + " format }"
		}
		g.b.WriteString("..." + name + " ")
	}
}

var credentialScalars = []string{"id", "createdAt", "credentialKind: kind", "scopes", "consented", "expiresAt",
	"revokedAt", "lastUsedAt", "__typename"}

func (g *docGen) credentialSelection() {
	g.scalars(credentialScalars)
	if g.r.IntN(2) == 0 {
		g.b.WriteString("user { ")
		g.noUserName = true
		g.userSelectionN(0, 5)
		g.b.WriteString("} ")
	}
}

var auditScalars = []string{"id", "occurredAt", "actorKind", "actorUser", "actorApplication", "actorCredential",
	"targetType", "targetID", "transport", "route", "clientAddr", "requestID", "traceID", "fields", "reason",
	"details { key value }", "__typename"}

// auditSelection: under node(id:) the kind is aliased (File.kind and
// Credential.kind have other types).
func (g *docGen) auditSelection(underNode bool) {
	g.scalars(auditScalars)
	if g.r.IntN(2) == 0 {
		if underNode {
			g.b.WriteString("eventKind: ")
		}
		g.b.WriteString("kind ")
	}
	if g.r.IntN(4) == 0 {
		if _, ok := g.frags["E0"]; !ok {
			g.frags["E0"] = "fragment E0 on AuditEvent { occurredAt transport route }"
		}
		g.b.WriteString("...E0 ")
	}
}

var applicationScalars = []string{"clientId", "name", "verified", "public", "redirectUris", "scopes", "permissions",
	"createdAt", "__typename"}

func (g *docGen) applicationSelection() { g.scalars(applicationScalars) }

var auditFilters = []string{
	`{kinds: ["user.changed"]}`, `{kinds: ["credential.minted", "user.banned"]}`, `{actorKind: USER}`,
	`{actorKind: OPERATOR}`, `{targetType: "user"}`, `{since: "2026-01-01T00:00:00Z"}`,
	`{until: "2026-12-07T03:00:00Z"}`, `{since: "2027-01-01T00:00:00Z"}`,
}

var userConditions = []string{
	`{emailContains: "1"}`, `{firstName: "Alice"}`, `{firstNameIn: ["Emma", "Hugo", "Zoé"]}`, `{lastNameHasPrefix: "D"}`,
	`{role: ADMIN}`, `{roleNEQ: ADMIN}`, `{mode: REST}`, `{hasFiles: true}`, `{hasAvatar: false}`,
	`{hasFilesWith: [{nameContains: "notes_2"}]}`, `{createdAtGT: "2024-01-01T00:00:15Z"}`, `{status: ACTIVE}`,
	`{flagsGTE: 1}`, `{hasFlags: 1}`, `{loginContainsFold: "USER00002"}`, `{hasSignatures: true}`,
	`{hasSignaturesWith: [{format: "jpeg"}]}`, `{hasSignaturesWith: [{externalApplicationIsNil: true}]}`,
	`{status: BANNED}`,
}

var fileConditions = []string{
	`{kind: USER_FILE}`, `{kindIn: [AVATAR, TEMPORARY]}`, `{nameContains: "_1"}`, `{sizeGT: 10}`, `{nature: MANUAL}`,
	`{fileType: "json"}`, `{hasOwnerWith: [{emailHasPrefix: "user00001"}]}`, `{nameHasSuffix: ".png"}`,
	`{createdAtLT: "2030-01-01T00:00:00Z"}`,
}

// where returns a where literal: a condition, or not/and/or over some.
func (g *docGen) where(kind string, depth int) string {
	conds := userConditions
	if kind == "files" {
		conds = fileConditions
	}
	if depth == 0 || g.r.IntN(2) == 0 {
		return conds[g.r.IntN(len(conds))]
	}
	switch g.r.IntN(3) {
	case 0:
		return "{not: " + g.where(kind, depth-1) + "}"
	case 1:
		return "{and: [" + g.where(kind, depth-1) + ", " + g.where(kind, depth-1) + "]}"
	default:
		return "{or: [" + g.where(kind, depth-1) + ", " + g.where(kind, depth-1) + "]}"
	}
}

// post sends a document and returns status and body.
func postDoc(env *apptest.Env, token string, doc genDoc) (int, []byte) {
	body, _ := json.Marshal(map[string]any{"query": doc.query, "variables": doc.vars})
	rec := env.Do(apptest.Request("POST", "/graphql", token, body))
	return rec.Code, rec.Body.Bytes()
}

// canonicalAnswer puts an answer's errors in one order, blanks their
// request ids, and leaves every other byte as it is. The root fields of a
// query and the elements of a list resolve concurrently, so the order of
// their errors varies from one request to the next in either service (the
// order carries no meaning in GraphQL); past MaxErrors, which errors are
// kept varies too, so a capped list is compared by its length and its
// last entry (how many were dropped). data must match byte for byte.
func canonicalAnswer(body []byte) []byte {
	var r struct {
		Errors     []json.RawMessage `json:"errors"`
		Data       json.RawMessage   `json:"data"`
		Extensions json.RawMessage   `json:"extensions"`
	}
	if json.Unmarshal(body, &r) != nil || len(r.Errors) == 0 {
		return body
	}
	for i, e := range r.Errors {
		r.Errors[i] = requestIDs.ReplaceAll(e, []byte(`"requestId":""`))
	}
	if n := len(r.Errors); n > graph.MaxErrors {
		r.Errors = []json.RawMessage{[]byte(fmt.Sprintf("%d errors", n)), r.Errors[n-1]}
	}
	slices.SortFunc(r.Errors, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
	var out bytes.Buffer
	out.WriteString("errors:")
	for _, e := range r.Errors {
		out.Write(e)
		out.WriteByte('\n')
	}
	out.WriteString("data:")
	out.Write(r.Data)
	out.WriteString("\nextensions:")
	out.Write(r.Extensions)
	return out.Bytes()
}

var requestIDs = regexp.MustCompile(`"requestId":"[^"]*"`)

// differential sends every document as every viewer to both services and
// returns the differences (at most max of them described) and a tally.
func (d *differentialEnv) differential(t *testing.T, a, b *apptest.Env, docs []genDoc, limit int) (diffs []string, tally map[string]int) {
	t.Helper()
	tally = map[string]int{}
	for i, doc := range docs {
		for _, v := range d.tokens {
			s1, b1 := postDoc(a, v.token, doc)
			s2, b2 := postDoc(b, v.token, doc)
			tally["requests"]++
			if s1 == http.StatusOK && !bytes.Contains(b1, []byte(`"errors"`)) {
				tally["without errors"]++
			}
			tally["edges"] += bytes.Count(b1, []byte(`"node":{`))
			if s1 != s2 || !bytes.Equal(canonicalAnswer(b1), canonicalAnswer(b2)) {
				if len(diffs) < limit {
					c1, c2 := canonicalAnswer(b1), canonicalAnswer(b2)
					at := 0
					for at < min(len(c1), len(c2)) && c1[at] == c2[at] {
						at++
					}
					from := max(0, at-300)
					diffs = append(diffs, fmt.Sprintf("document %d as %s: status %d vs %d\n%s\nvars %v\nplanned:      %.600s\nedge by edge: %.600s\nfirst difference at byte %d:\nplanned:      …%.600s\nedge by edge: …%.600s",
						i, v.name, s1, s2, doc.query, doc.vars, b1, b2, at, c1[from:], c2[from:]))
				}
				tally["different"]++
			}
		}
	}
	return diffs, tally
}

// TestDifferentialPlannedAndEdgeByEdge runs differentialDocuments generated
// documents through the planned loader and through edge-by-edge loading,
// as an administrator, a manager, a plain user and a narrowed key, and
// requires byte-identical answers.
func TestDifferentialPlannedAndEdgeByEdge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		d := newDifferentialEnv(t, url)
		planned := apptest.New(t, url, differentialConfig(d.now))
		reference := apptest.New(t, url, differentialConfig(d.now), edgeByEdge)
		n := differentialDocuments
		if testing.Short() {
			n = 100
		}
		docs := d.documents(n, differentialSeed)
		diffs, tally := d.differential(t, planned, reference, docs, 5)
		for _, s := range diffs {
			t.Error(s)
		}
		t.Logf("%d documents × %d viewers: %v", n, len(d.tokens), tally)
		// Documents the service refuses whole would compare nothing: most
		// must be answered without any error, and pages must hold edges.
		if tally["without errors"] < tally["requests"]/3 || tally["edges"] < 10*n {
			t.Errorf("the documents exercise too little: %v", tally)
		}
		answered, fellBack := directAnswers(t, planned, d.tokens[0].token)
		t.Logf("direct answers: %d written, %d dropped for the executor's", answered, fellBack)
		if answered < tally["requests"]/10 || fellBack == 0 {
			t.Errorf("the documents exercise the direct answers too little: %d written, %d dropped", answered, fellBack)
		}
	})
}

// directAnswers reads the service's count of direct answers (graph's
// direct.go) from its metrics.
func directAnswers(t *testing.T, env *apptest.Env, adminToken string) (answered, fellBack int) {
	t.Helper()
	rec := env.Do(apptest.Request("GET", "/metrics", adminToken, nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		for outcome, n := range map[string]*int{"answered": &answered, "fell_back": &fellBack} {
			if v, ok := strings.CutPrefix(line, `userbridge_graphql_direct_answers_total{outcome="`+outcome+`"} `); ok {
				if _, err := fmt.Sscan(v, n); err != nil {
					t.Fatalf("metrics line %q: %v", line, err)
				}
			}
		}
	}
	return answered, fellBack
}

// TestDifferentialDetectsADifference shows that the comparison fails when
// the two services answer differently: one of them with a default page of
// 3 instead of 50, which only documents leaving first and last out see.
func TestDifferentialDetectsADifference(t *testing.T) {
	url := dbtest.URL(t, dbtest.SQLite)
	d := newDifferentialEnv(t, url)
	planned := apptest.New(t, url, differentialConfig(d.now))
	other := apptest.New(t, url, differentialConfig(d.now), func(cfg *app.Config) { cfg.GraphQL.PageSize = 3 })
	docs := d.documents(60, differentialSeed)
	diffs, tally := d.differential(t, planned, other, docs, 1)
	if tally["different"] == 0 {
		t.Fatalf("no difference found between a default page of 50 and one of 3: %v", tally)
	}
	if !strings.Contains(diffs[0], "planned:") || !strings.Contains(diffs[0], "query D") {
		t.Errorf("the difference does not show the document and both answers: %s", diffs[0])
	}
	t.Logf("%d of %d answers differ, as they must; the first:\n%s", tally["different"], tally["requests"], diffs[0])
}

// answeredParts notes in seen the parts of the schema an answer holds
// data of: a page with edges, a list with items, an object, an object of
// a type (by __typename). Aliases are the field's name and a number.
func answeredParts(v any, seen map[string]bool) {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			answeredParts(x, seen)
		}
	case map[string]any:
		for k, x := range v {
			name := strings.TrimRight(k, "0123456789")
			switch x := x.(type) {
			case map[string]any:
				if edges, ok := x["edges"].([]any); ok && len(edges) > 0 {
					seen[name+" page"] = true
				}
				seen[name] = true
			case []any:
				if len(x) > 0 {
					seen[name] = true
				}
			case string:
				if name == "__typename" {
					seen[x] = true
				}
			}
			answeredParts(x, seen)
		}
	}
}

// TestDifferentialDocumentsAreValid checks that the generator writes
// documents the schema accepts within the limits: an answer refused whole
// (parse, validation, cost) is a generator bug, not a finding.
func TestDifferentialDocumentsAreValid(t *testing.T) {
	url := dbtest.URL(t, dbtest.SQLite)
	d := newDifferentialEnv(t, url)
	env := apptest.New(t, url, differentialConfig(d.now))
	refused := 0
	// Each part of the schema must be answered with data (as the
	// administrator) in some documents, not only asked for.
	answered := map[string]int{}
	for i, doc := range d.documents(differentialDocuments, differentialSeed) {
		code, body := postDoc(env, d.tokens[0].token, doc)
		var answer struct{ Data any }
		_ = json.Unmarshal(body, &answer)
		seen := map[string]bool{}
		answeredParts(answer.Data, seen)
		for p := range seen {
			answered[p]++
		}
		var r apptest.GraphQLResponse
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("document %d: %d %s", i, code, body)
		}
		for _, c := range r.Codes() {
			switch c {
			case "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "COMPLEXITY_LIMIT_EXCEEDED", "DEPTH_LIMIT_EXCEEDED",
				"ALIAS_LIMIT_EXCEEDED", "SELECTION_LIMIT_EXCEEDED", "ANSWER_BYTES_LIMIT_EXCEEDED", "INTERNAL":
				refused++
				if refused <= 3 {
					t.Errorf("document %d refused (%s): %s\n%s", i, c, body, doc.query)
				}
			}
		}
	}
	if refused > 0 {
		t.Errorf("%d documents refused", refused)
	}
	for _, p := range []string{"users page", "files page", "auditEvents page", "signatures", "signedBy", "legacyIds",
		"applications", "authorizedApplications", "application", "nodes", "node", "user", "viewer", "owner", "avatar",
		"User", "File", "Signature", "Credential"} { // an AuditEvent is no node a viewer reads (policy.ReadNode)
		if answered[p] < 5 {
			t.Errorf("%s answered in %d documents only", p, answered[p])
		}
	}
	t.Logf("documents answering each part: %v", answered)
}
