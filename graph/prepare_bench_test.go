package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
)

// BenchmarkPrepareOperation is what the limits cost a cached page query:
// the executor's CreateOperationContext (cache lookup, variables, limits
// and complexity) for BenchmarkUsersPage's query, without executing it.
func BenchmarkPrepareOperation(b *testing.B) {
	exec := executor.New(NewExecutableSchema(Config{Resolvers: &Resolver{}}))
	cache := lru.New[*ast.QueryDocument](1000)
	exec.SetQueryCache(cache)
	o := DefaultOptions
	exec.Use(limitsGuard{limits: o.Limits, complexity: o.Complexity, listSize: o.ListSize, tokenLimit: o.TokenLimit, cache: cache})
	params := graphql.RawParams{
		Query:     `query UsersPage($first: Int) { users(first: $first) { edges { node { id publicID email avatar { id name } files { totalCount } } } pageInfo { hasNextPage } } }`,
		Variables: map[string]any{"first": 50},
	}
	ctx := graphql.StartOperationTrace(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		p := params
		if _, errs := exec.CreateOperationContext(ctx, &p); errs != nil {
			b.Fatal(errs)
		}
	}
}
