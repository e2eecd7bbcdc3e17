package reqinfo

import "context"

// Facts are what inner layers learn about a request that the access log,
// written by the outermost layer once the response is out, must report: the
// GraphQL operation and the user. The access log puts an empty Facts in the
// context; a layer that knows one of them fills it in. Each field is
// written once, by the goroutine serving the request, before the handler
// returns, so no lock is needed.
type Facts struct {
	Operation string // GraphQL operation name ("" outside GraphQL)
	User      string // the viewer's user public id ("" when anonymous)
}

type factsKey struct{}

// WithFacts returns ctx carrying a fresh Facts, and the Facts.
func WithFacts(ctx context.Context) (context.Context, *Facts) {
	f := new(Facts)
	return context.WithValue(ctx, factsKey{}, f), f
}

// FactsOf returns the request's Facts, or a throwaway one outside a request
// (so callers never check for nil).
func FactsOf(ctx context.Context) *Facts {
	if f, ok := ctx.Value(factsKey{}).(*Facts); ok {
		return f
	}
	return new(Facts)
}
