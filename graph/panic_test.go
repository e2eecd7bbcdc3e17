package graph_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/graph"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
)

// TestPanicIsInternal shows a resolver panic becomes an INTERNAL error with
// no detail, and the server keeps serving.
func TestPanicIsInternal(t *testing.T) {
	// A service without a database client panics on the first query.
	h := graph.NewHandler(&graph.Resolver{Accounts: &accounts.Service{}}, graph.DefaultOptions)
	admin := &auth.Viewer{User: &ent.User{ID: 1, Role: user.RoleAdmin}, Scopes: auth.AllScopes, Consented: true}
	for i := 0; i < 2; i++ {
		req := httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query":"{ users { totalCount } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(auth.NewContext(req.Context(), admin))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(body, `"code":"INTERNAL"`) ||
			strings.Contains(body, "nil pointer") || strings.Contains(body, "goroutine") {
			t.Fatalf("%d %s", rec.Code, body)
		}
	}
}
