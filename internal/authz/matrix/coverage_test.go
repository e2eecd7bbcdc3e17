package matrix_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// surface lists what the service offers: every route of the real router
// ("METHOD pattern", or "ANY pattern" for a route that takes every method),
// every mutation and query field of the real schema, every field of User, every UserWhereInput
// field and, one level down, every field of the inputs its edge filters
// take, and every UserOrderField value.
func surface(t *testing.T) map[string]bool {
	t.Helper()
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite), withOpenIDConnect)
	methods := map[string][]string{}
	err := chi.Walk(env.Handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		methods[route] = append(methods[route], method)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for route, ms := range methods {
		if len(ms) >= 9 { // chi.Handle: every method chi knows
			out["ANY "+route] = true
			continue
		}
		for _, m := range ms {
			out[m+" "+route] = true
		}
	}
	s := schema()
	for _, f := range s.Mutation.Fields {
		out["mutation "+f.Name] = true
	}
	for _, f := range s.Query.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			out["query "+f.Name] = true
		}
	}
	for _, f := range s.Types["UserWhereInput"].Fields {
		out["where "+f.Name] = true
		if nested := s.Types[f.Type.Name()]; nested != nil && nested.Kind == ast.InputObject && nested.Name != "UserWhereInput" {
			for _, g := range nested.Fields {
				out["where "+f.Name+"."+g.Name] = true
			}
		}
	}
	for _, f := range s.Types["User"].Fields {
		if !strings.HasPrefix(f.Name, "__") {
			out["field User."+f.Name] = true
		}
	}
	for _, v := range s.Types["UserOrderField"].EnumValues {
		out["order "+v.Name] = true
	}
	return out
}

// TestMatrixCoversRouterAndSchema fails when the router or the schema
// offers something the matrix does not list, or the matrix lists something
// they no longer offer: the table cannot go stale.
func TestMatrixCoversRouterAndSchema(t *testing.T) {
	offered := surface(t)
	listed := map[string]bool{}
	for _, r := range table(schema()) {
		listed[r.covers] = true
	}
	var missing, gone []string
	for k := range offered {
		if !listed[k] {
			missing = append(missing, k)
		}
	}
	for k := range listed {
		if !offered[k] {
			gone = append(gone, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(gone)
	if len(missing) > 0 {
		t.Errorf("offered but missing from the matrix (add a row with its expected outcomes):\n  %s", strings.Join(missing, "\n  "))
	}
	if len(gone) > 0 {
		t.Errorf("in the matrix but no longer offered (remove the row):\n  %s", strings.Join(gone, "\n  "))
	}
	t.Logf("%d routes, operations and fields covered", len(offered))
}
