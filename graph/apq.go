package graph

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"userbridge/internal/rules/auth"
)

// Automatic persisted queries (Apollo's protocol, gqlgen's
// extension.AutomaticPersistedQuery): a client sends a document's SHA-256
// alone; on PERSISTED_QUERY_NOT_FOUND it sends the document with the hash,
// which registers it. A persisted document is parsed, validated and
// measured like any other on every use, and it is registered only once it
// has passed every guard (limits, cost, input limits), so a hostile
// document never enters the cache.

// Persisted documents bigger than this are answered but not kept: they
// come in full each time, and no client fills memory or Redis with them.
const maxPersistedBytes = 64 << 10

// PersistedQueries is where registered documents live: an LRU in this
// process, in front of Redis when the replicas share one.
type PersistedQueries struct {
	local  *lru.LRU[string]
	redis  redis.UniversalClient // nil: this replica only
	prefix string
	ttl    time.Duration
	onErr  func(error)
}

// NewPersistedQueries keeps up to size documents in memory and, when
// client is not nil, shares them through Redis under prefix+"apq:" for
// ttl. onErr (may be nil) hears of Redis failures, which count as misses.
func NewPersistedQueries(size int, client redis.UniversalClient, prefix string, ttl time.Duration, onErr func(error)) *PersistedQueries {
	if onErr == nil {
		onErr = func(error) {}
	}
	return &PersistedQueries{local: lru.New[string](size), redis: client, prefix: prefix + "apq:", ttl: ttl, onErr: onErr}
}

// Get implements graphql.Cache: this process first, then Redis.
func (p *PersistedQueries) Get(ctx context.Context, hash string) (string, bool) {
	if q, ok := p.local.Get(ctx, hash); ok {
		return q, true
	}
	if p.redis == nil || len(hash) != 64 {
		return "", false
	}
	q, err := p.redis.Get(ctx, p.prefix+hash).Result()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			p.onErr(err)
		}
		return "", false
	}
	p.local.Add(ctx, hash, q)
	return q, true
}

// Add implements graphql.Cache.
func (p *PersistedQueries) Add(ctx context.Context, hash, query string) {
	if len(query) > maxPersistedBytes {
		return
	}
	p.local.Add(ctx, hash, query)
	if p.redis != nil {
		if err := p.redis.Set(ctx, p.prefix+hash, query, p.ttl).Err(); err != nil {
			p.onErr(err)
		}
	}
}

// lookupOnly is the cache gqlgen's extension sees: it reads, but its Add
// (made before the document is parsed) is dropped; registerPersisted adds
// once the document has passed every guard.
type lookupOnly struct{ *PersistedQueries }

func (lookupOnly) Add(context.Context, string, string) {}

// registerPersisted keeps a document sent with its hash, once it has been
// parsed and validated and every limit extension (registered before it)
// has let it through.
type registerPersisted struct{ cache *PersistedQueries }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = registerPersisted{}

func (registerPersisted) ExtensionName() string                   { return "RegisterPersistedQuery" }
func (registerPersisted) Validate(graphql.ExecutableSchema) error { return nil }

// Only an authenticated caller registers: an anonymous one could fill the
// shared Redis (where the login limits live too) with documents at no cost.
// Anonymous callers still run documents others registered, as themselves.
func (r registerPersisted) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if v := auth.FromContext(ctx); v == nil {
		return nil
	}
	if s := extension.GetApqStats(ctx); s != nil && s.SentQuery {
		r.cache.Add(ctx, s.Hash, oc.RawQuery)
	}
	return nil
}
