package matrix_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/graph"
	"userbridge/internal/store/db/dbtest"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) { return maps.Keys(m) }

// schema is the real GraphQL schema the service serves.
func schema() *ast.Schema {
	return graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
}

// TestAuthorizationMatrix sends every cell of the matrix to the real
// router: read-only rows share one world, each writing row gets a world of
// its own. Every failing cell is listed at the end, grouped by row.
func TestAuthorizationMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		backend := dbtest.SQLite
		if !strings.HasPrefix(url, "sqlite") {
			backend = dbtest.Postgres
		}
		rows := table(schema())
		var failures []string
		reads := newWorld(t, url)
		cells := 0
		for _, r := range rows {
			if r.writes || r.expect == nil {
				continue
			}
			cells += len(columns)
			failures = append(failures, runRow(t, reads, r)...)
		}
		for _, r := range rows {
			if !r.writes {
				continue
			}
			cells += len(columns)
			t.Run(r.name, func(t *testing.T) {
				failures = append(failures, runRow(t, newWorld(t, dbtest.URL(t, backend)), r)...)
			})
		}
		t.Logf("%d cells checked", cells)
		if len(failures) > 0 {
			t.Errorf("%d failing checks (of %d cells)\n\n%s\nevery one (row | column | problem):\n%s",
				len(failures), cells, summary(failures), strings.Join(failures, "\n"))
		}
	})
}

// summary counts the failing checks of each column, then of each row, in
// the table's order.
func summary(failures []string) string {
	var b strings.Builder
	for i, title := range []string{"by column:", "by row:"} {
		var order []string
		count := map[string]int{}
		for _, f := range failures {
			key := strings.TrimSpace(strings.Split(f, " | ")[1-i]) // column, then row
			if count[key] == 0 {
				order = append(order, key)
			}
			count[key]++
		}
		if i == 0 {
			order = order[:0]
			for _, c := range columns {
				if count[c.key] > 0 {
					order = append(order, c.key)
				}
			}
		}
		fmt.Fprintf(&b, "%s\n", title)
		for _, k := range order {
			fmt.Fprintf(&b, "%5d  %s\n", count[k], k)
		}
	}
	return b.String()
}

// served is one answer, with what the request carried.
type served struct {
	rec     *httptest.ResponseRecorder
	request string // path and body: values found there are not leaks
}

func serve(w *world, req *http.Request) served {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	return served{rec: w.env.Do(req), request: req.URL.String() + "\n" + string(body)}
}

// runRow runs one row for every column and returns its failing cells.
func runRow(t *testing.T, w *world, r row) []string {
	t.Helper()
	var out []string
	label := r.name
	if r.group != "" {
		label = r.covers // one line per predicate
	}
	fail := func(a *actor, format string, args ...any) {
		out = append(out, fmt.Sprintf("%-45s | %-10s | %s", label, a.col.key, fmt.Sprintf(format, args...)))
	}
	// Filters and orders only read: one digest around the whole row.
	perCell := r.group == ""
	var rowBefore map[string]string
	if !perCell {
		rowBefore = w.digest(t)
	}
	for _, a := range w.actors {
		want := r.expect(a.col)
		var before map[string]string
		if perCell {
			before = w.digest(t)
		}
		s := serve(w, r.build(a, a.victim))
		got, gotText, wantText := r.judge(want, s.rec)
		if gotText != wantText {
			fail(a, "want %s, got %s: %s", wantText, gotText, excerpt(s.rec.Body.String()))
		}
		for _, p := range leaks(w, a, got == allowed && want != public, s) {
			fail(a, "%s", p)
		}
		if perCell && want != allowed {
			if changed := diff(before, w.digest(t)); changed != "" {
				fail(a, "refused, yet changed %s", changed)
			}
		}
		// A refusal tells which ids exist unless a missing id gets it too:
		// every not-found answer, and every forbidden one to a viewer who
		// may not read other users (one who may knows B exists anyway).
		if got == want && r.target && (want == notFound || want == forbidden && !a.col.readsOthers()) {
			g := serve(w, r.build(a, w.ghost))
			if mine, ghost := normalize(s.rec, a.victim, w.ghost), normalize(g.rec, a.victim, w.ghost); mine != ghost {
				fail(a, "B's id and a missing id answer differently: %s / %s", excerpt(mine), excerpt(ghost))
			}
		}
		if want == allowed && got == allowed && r.check != nil {
			if p := r.check(w, a, s.rec.Body.Bytes()); p != "" {
				fail(a, "%s", p)
			}
		}
		if got == allowed && carriesPersonalData(w, s.rec.Body.String()) &&
			!strings.Contains(s.rec.Header().Get("Cache-Control"), "no-store") {
			fail(a, "personal data without Cache-Control: no-store")
		}
	}
	if !perCell {
		if changed := diff(rowBefore, w.digest(t)); changed != "" {
			out = append(out, fmt.Sprintf("%-45s | %-10s | a read changed %s", label, "(row)", changed))
		}
	}
	return out
}

// judge spells what the row expected and what it got, the way the dialect
// says it, and classifies the answer.
func (r row) judge(want outcome, rec *httptest.ResponseRecorder) (got outcome, gotText, wantText string) {
	if r.dialect != gql {
		wantText = fmt.Sprintf("%d (%s)", r.status(want), want)
		got = outcome(-1)
		for _, o := range []outcome{allowed, unauthenticated, forbidden, notFound} {
			if r.status(o) == rec.Code {
				got = o
				break
			}
		}
		if want == public && rec.Code == r.ok {
			got = public
		}
		name := "other"
		if got >= 0 {
			name = got.String()
		}
		return got, fmt.Sprintf("%d (%s)", rec.Code, name), wantText
	}
	codes := map[outcome]string{allowed: "ok", unauthenticated: "UNAUTHENTICATED", forbidden: "FORBIDDEN", notFound: "NOT_FOUND"}
	wantText = codes[want]
	gotText = gqlAnswer(r.pick, rec.Body.Bytes())
	if gotText == "null" && r.nullAs != "" {
		gotText = r.nullAs
	}
	got = outcome(-1)
	for o, c := range codes {
		if c == gotText {
			got = o
		}
	}
	return got, gotText, wantText
}

// gqlAnswer is "ok" when the value at pick is there, else the code of the
// error about it ("null" when there is none).
func gqlAnswer(pick []any, body []byte) string {
	var resp struct {
		Data   map[string]any `json:"data"`
		Errors []struct {
			Path       []any          `json:"path"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return "not JSON"
	}
	var v any = resp.Data
	for _, p := range pick {
		switch p := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[p]
		case int:
			l, _ := v.([]any)
			if p < len(l) {
				v = l[p]
			} else {
				v = nil
			}
		}
	}
	if v != nil {
		return "ok"
	}
	about := func(path []any) bool {
		for i, p := range path {
			if i >= len(pick) {
				return false // an error inside the value, not about it
			}
			if fmt.Sprint(p) != fmt.Sprint(pick[i]) {
				return false
			}
		}
		return true
	}
	for _, e := range resp.Errors {
		if about(e.Path) {
			if c, ok := e.Extensions["code"].(string); ok {
				return c
			}
			return "error without code"
		}
	}
	return "null"
}

// leaks lists the private values of the victim (and the viewer's guarded
// ones) that the answer (body or headers) shows although the viewer may not see them: all of
// them in a refused answer, those of a missing scope in an allowed one.
func leaks(w *world, a *actor, allowedAnswer bool, s served) []string {
	var out []string
	body := s.rec.Body.String()
	for k, vs := range s.rec.Header() {
		body += "\n" + k + ": " + strings.Join(vs, ", ")
	}
	check := func(whose string, p *person, kinds []string) {
		for _, k := range kinds {
			v := p.secrets[k]
			if v == "" || strings.Contains(s.request, v) || !strings.Contains(body, v) {
				continue
			}
			scope, guarded := guardedBy[k]
			if allowedAnswer && (!guarded || a.col.has(scope)) {
				continue
			}
			out = append(out, fmt.Sprintf("leaks %s %s", whose, k))
		}
	}
	check("B's", a.victim, []string{"email", "login", "username", "first", "last", "file", "sha", "sigapp"})
	if a.self != nil {
		check("own", a.self, []string{"email", "login", "first", "last"})
	}
	return out
}

// carriesPersonalData reports whether body shows anyone's e-mail or names.
func carriesPersonalData(w *world, body string) bool {
	for _, p := range w.all {
		for _, k := range []string{"email", "login", "first", "last"} {
			if strings.Contains(body, p.secrets[k]) {
				return true
			}
		}
	}
	return false
}

// cursorsOpaque: no cursor carries a field value in clear, base64 or not.
func cursorsOpaque(w *world, _ *actor, body []byte) string {
	var resp struct {
		Data struct {
			Users struct {
				Edges []struct{ Cursor string }
			}
		}
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return "answer is not JSON"
	}
	for _, e := range resp.Data.Users.Edges {
		forms := []string{e.Cursor}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(e.Cursor); err == nil {
				forms = append(forms, string(b))
			}
		}
		for _, f := range forms {
			for _, p := range w.all {
				for _, k := range []string{"email", "login", "first", "last"} {
					if strings.Contains(f, p.secrets[k]) {
						return fmt.Sprintf("a cursor carries a %s in clear: %q", k, f)
					}
				}
			}
		}
	}
	return ""
}

// costExtension is a GraphQL answer's extensions.cost (graph/budget.go).
var costExtension = regexp.MustCompile(`,"extensions":\{"cost":\{[^{}]*\}\}`)

// normalize blanks the ids of the victim and of the missing user, so that
// the two answers can be compared byte for byte.
// GraphQL's extensions.cost is left out: its figures follow the client's
// bucket and the clock, not the target.
func normalize(rec *httptest.ResponseRecorder, ps ...*person) string {
	b := fmt.Sprintf("%d %s", rec.Code, costExtension.ReplaceAllString(rec.Body.String(), ""))
	for _, p := range ps {
		for _, id := range []string{p.gid, p.fileGID, p.sigGID, p.credGID, p.u.PublicID} {
			if id != "" {
				b = strings.ReplaceAll(b, id, "<id>")
			}
		}
		for _, id := range []int{p.u.ID, p.fileID, p.sigID, p.credID} {
			if id != 0 {
				b = strings.ReplaceAll(b, fmt.Sprintf("/%d", id), "/<id>")
			}
		}
	}
	return b
}

func diff(before, after map[string]string) string {
	var changed []string
	for _, k := range slices.Sorted(maps.Keys(before)) {
		if before[k] != after[k] {
			changed = append(changed, k)
		}
	}
	return strings.Join(changed, ", ")
}

func excerpt(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}
