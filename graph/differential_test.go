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
	"userbridge/graph"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/budget"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// The differential test: generated documents (seeded, so every run sends
// the same ones) go to two services on one database, one loading a page
// and its edges as planned (the default options) and one loading them edge
// by edge (edgeByEdge), as several viewers; the answers must be the same
// bytes. The generator nests the schema's connections (users, a user's
// files, a file's owner) with first, last, after, before, orderBy and
// where, aliases, named and inline fragments, totalCount and pageInfo,
// within the document and cost limits.
const differentialDocuments = 500

// differentialSeed fixes the documents; change it to explore others.
const differentialSeed = 28

// edgeByEdge configures the service that loads every edge of a page by a
// statement of its own (graph.Options.EdgeByEdge): the reference the
// planned loader is compared with. TestDifferentialDetectsADifference
// shows the comparison fails when the two do not answer alike.
func edgeByEdge(c *app.Config) {
	if c.GraphQL == (graph.Options{}) {
		c.GraphQL = graph.DefaultOptions
	}
	c.GraphQL.EdgeByEdge = true
}

// differentialEnv is the data set and the viewers of the test.
type differentialEnv struct {
	url     string
	tokens  []namedToken
	cursors cursorPool
	userIDs []string // global ids of users
	fileIDs []string // global ids of files
	now     time.Time
}

type namedToken struct{ name, token string }

// cursorPool holds real cursors per order literal ("" for none): users'
// under "users", files' under "files".
type cursorPool map[string]map[string][]string

// differentialConfig is both services' configuration but the loading: a
// fixed clock (signed links carry their expiry) and no budget (its points
// refill with time).
func differentialConfig(now time.Time) func(*app.Config) {
	return func(cfg *app.Config) {
		cfg.Now = func() time.Time { return now }
		cfg.Budget = budget.Settings{}
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
	d.cursors = cursorPool{"users": {}, "files": {}}
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
	if len(d.userIDs) < 40 || len(d.fileIDs) < 20 {
		t.Fatalf("data set too small: %d users, %d files", len(d.userIDs), len(d.fileIDs))
	}
	return d
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
}

// documents returns n documents and their variables, the same for a seed.
func (d *differentialEnv) documents(n int, seed uint64) []genDoc {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]genDoc, n)
	for i := range out {
		g := &docGen{r: r, d: d, frags: map[string]string{}, values: map[string]any{}}
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
		switch k := g.r.IntN(10); {
		case k < 6:
			g.b.Reset()
			g.connection("users", "users", userOrders, used, 3, 20)
			body.WriteString(g.b.String())
		case k < 7:
			body.WriteString(g.aliased("viewer", used) + " { ")
			g.b.Reset()
			g.userSelection(2)
			body.WriteString(g.b.String() + "} ")
		case k < 9:
			id := g.d.userIDs[g.r.IntN(len(g.d.userIDs))]
			fmt.Fprintf(&body, "%s(id: %q) { ", g.aliased("user", used), id)
			g.b.Reset()
			g.userSelection(2)
			body.WriteString(g.b.String() + "} ")
		default:
			ids := g.d.userIDs
			if g.r.IntN(2) == 0 {
				ids = g.d.fileIDs
			}
			fmt.Fprintf(&body, "%s(id: %q) { __typename ... on User { ", g.aliased("node", used), ids[g.r.IntN(len(ids))])
			g.b.Reset()
			g.noUserName = true
			g.userSelection(1)
			body.WriteString(g.b.String() + "} ... on File { ")
			g.b.Reset()
			g.fileSelection(1)
			body.WriteString(g.b.String() + "} } ")
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
	return fmt.Sprintf("%s%d: %s", name[:1], g.aliases, name)
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
	if hasFirst {
		n := g.r.IntN(maxFirst + 1)
		if g.r.IntN(5) == 0 {
			name := fmt.Sprintf("first%d", len(g.vars))
			g.vars = append(g.vars, "$"+name+": Int")
			g.values[name] = n
			args = append(args, "first: $"+name)
		} else {
			args = append(args, fmt.Sprintf("first: %d", n))
		}
	}
	if hasLast {
		args = append(args, fmt.Sprintf("last: %d", g.r.IntN(maxFirst+1)))
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
	if g.r.IntN(3) == 0 {
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
			if kind == "users" {
				g.userSelectionN(depth-1, maxFirst)
			} else {
				g.fileSelectionN(depth-1, maxFirst)
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

var userConditions = []string{
	`{emailContains: "1"}`, `{firstName: "Alice"}`, `{firstNameIn: ["Emma", "Hugo", "Zoé"]}`, `{lastNameHasPrefix: "D"}`,
	`{role: ADMIN}`, `{roleNEQ: ADMIN}`, `{mode: REST}`, `{hasFiles: true}`, `{hasAvatar: false}`,
	`{hasFilesWith: [{nameContains: "notes_2"}]}`, `{createdAtGT: "2024-01-01T00:00:15Z"}`, `{status: ACTIVE}`,
	`{flagsGTE: 1}`, `{hasFlags: 1}`, `{loginContainsFold: "USER00002"}`,
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
					diffs = append(diffs, fmt.Sprintf("document %d as %s: status %d vs %d\n%s\nvars %v\nplanned:      %.600s\nedge by edge: %.600s",
						i, v.name, s1, s2, doc.query, doc.vars, b1, b2))
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
	})
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

// TestDifferentialDocumentsAreValid checks that the generator writes
// documents the schema accepts within the limits: an answer refused whole
// (parse, validation, cost) is a generator bug, not a finding.
func TestDifferentialDocumentsAreValid(t *testing.T) {
	url := dbtest.URL(t, dbtest.SQLite)
	d := newDifferentialEnv(t, url)
	env := apptest.New(t, url, differentialConfig(d.now))
	refused := 0
	for i, doc := range d.documents(differentialDocuments, differentialSeed) {
		code, body := postDoc(env, d.tokens[0].token, doc)
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
}
