package app

import "entgo.io/ent/dialect"

// The values of Config.GraphQLLoading (GRAPHQL_LOADING).
const (
	// LoadingAuto is LoadingPlanned on PostgreSQL and LoadingEdges on
	// SQLite.
	LoadingAuto = "auto"
	// LoadingPlanned reads a page and every edge selected under it in one
	// statement (ent/plan.go).
	LoadingPlanned = "planned"
	// LoadingEdges reads each edge of a page with a statement of its own,
	// whatever the page's size (entgql's eager loading).
	LoadingEdges = "edges"
)

// edgeByEdge says whether GraphQL pages load their edges one statement per
// edge on this store.
//
// One planned statement saves a round trip per edge, which is what a
// statement costs on PostgreSQL. SQLite runs in the process: there is no
// round trip to save, and the planned statement (materialized sets joined
// into a UNION ALL, then sorted) costs SQLite more than the separate
// statements it replaces, the more so on several cores
// (BenchmarkPageLoading in graph). An explicit
// GraphQL.EdgeByEdge wins over the setting.
func (c *Config) edgeByEdge(backend string) bool {
	switch c.GraphQLLoading {
	case LoadingPlanned:
		return c.GraphQL.EdgeByEdge
	case LoadingEdges:
		return true
	}
	return c.GraphQL.EdgeByEdge || backend == dialect.SQLite
}
