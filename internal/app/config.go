// Package app builds userbridge from its configuration: the store, the shared
// rules, and the one HTTP router that serves GraphQL, the playground, every
// legacy dialect and the health endpoints. server.go and the tests both use
// New, so tests drive exactly the router that runs in production.
package app

import (
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"

	"userbridge/graph"
	"userbridge/internal/edge/budget"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/signatures"
	"userbridge/rest/jsonio"
	"userbridge/rest/maarch"
)

// Config is everything New needs. Zero values take the defaults.
type Config struct {
	Addr           string // listen address, e.g. ":8080"
	DatabaseURL    string // sqlite://PATH or postgres://...
	StorageURL     string // file://DIR or s3://BUCKET
	PublicURL      string // absolute base of links the service hands out
	RedisURL       string // shared rate limits; empty: in memory
	RedisPrefix    string // prefix of the Redis keys; empty: ratelimit.DefaultPrefix
	Secret         string // signs download links; empty: kept in the database
	UserFileQuota  int
	MaxUploadBytes int64
	MaxJSONBytes   int64

	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// (login limits, anonymous users-v1 limits); empty: the peer is the client.
	TrustedProxies reqinfo.Proxies

	LinkTTL          time.Duration // lifetime of signed download links; 0: 1 hour
	TemporaryFileTTL time.Duration // lifetime of unadopted temporary files; 0: 1 hour
	TemporaryFiles   int           // pending temporary files per user; 0: files.DefaultTempFiles
	TemporaryBytes   int64         // their bytes per user; 0: files.DefaultTempBytes
	MaxImageBody     int64         // Maarch bodies (inline pictures, signatures); 0: DefaultMaxImageBody
	SignatureSets    int           // signature sets one user keeps; 0: signatures.DefaultMaxSets
	SignatureBytes   int64         // their bytes per user; 0: signatures.DefaultMaxUserBytes
	SweepEvery       time.Duration // file sweeper period; 0: 10 minutes; < 0: off
	SweepGrace       time.Duration // age before the sweeper removes a blob no row names; 0: 1 hour
	DrainDelay       time.Duration // on SIGTERM, /readyz fails this long before the listener closes
	// ShutdownGrace is how long in-flight requests may run on once the
	// listener is closed; those still running then are cancelled.
	ShutdownGrace time.Duration
	MaxAPIKeyTTL  time.Duration // longest lifetime of a key made by createApiKey; 0: accounts.DefaultMaxAPIKeyTTL

	GraphQL graph.Options
	// GraphQLLoading is how a GraphQL page loads the edges selected under
	// it (GRAPHQL_LOADING): LoadingPlanned, LoadingEdges, or "" and
	// LoadingAuto for the backend's better one (loading.go).
	GraphQLLoading string
	LoginRate      ratelimit.Limit // per account and per client address
	APIRate        ratelimit.Limit // users-v1, per credential
	// Budget is GraphQL's cost budget per client and its bound on requests
	// in flight (internal/edge/budget); a zero Limit.Rate turns the points
	// off, a zero Concurrency the bound.
	Budget budget.Settings
	// Subscriptions are the WebSocket endpoint's limits (graph/ws.go);
	// zero fields take graph's defaults.
	Subscriptions graph.SubscriptionOptions

	// AuditRetention is how long audit events are kept; 0:
	// auditlog.DefaultRetention; < 0: for ever.
	AuditRetention time.Duration
	// AuditOff records no audit event (AUDIT_EVENTS=false): for the
	// benchmark that measures what the trail costs, nothing else.
	AuditOff bool

	// QueryLog, when set, receives every SQL statement the store runs (tests
	// count them to prove there is no N+1).
	QueryLog func(...any)

	// Pprof serves net/http/pprof at /debug/pprof (unauthenticated: for
	// profiling on a trusted host only). Off by default.
	Pprof bool

	// OTLPEndpoint is the OpenTelemetry collector's base URL (OTLP over
	// HTTP); empty: tracing off, at no cost. TracerProvider, when set (tests),
	// is used instead.
	OTLPEndpoint   string
	TracerProvider trace.TracerProvider
	// MetricsAddr serves /metrics on its own address (App.MetricsServer)
	// instead of the main one; empty: on the main address.
	MetricsAddr string

	// PersistedQueries turns on automatic persisted queries (graph/apq.go),
	// shared through Redis when RedisURL is set. On by default.
	PersistedQueries bool
	// PersistedQueryCache, when set, is used instead of building one (tests
	// share one between two services, as replicas share Redis).
	PersistedQueryCache *graph.PersistedQueries

	// CORSOrigins may call /graphql and the dialects from a browser
	// (ParseCORSOrigins; "*" for any); empty: no CORS headers.
	CORSOrigins []string

	// OIDCKeyRotation is how long an OpenID Connect signing key signs
	// id_tokens before the next one takes over (the previous one stays
	// published for as long again); 0: oauth.DefaultKeyRotation.
	OIDCKeyRotation time.Duration
	// OIDCSigningAlg is the id_tokens' algorithm: RS256 (default) or ES256.
	OIDCSigningAlg string

	// SkipMigrate leaves the schema alone (the `migrate` command owns it).
	SkipMigrate bool
	Logger      *slog.Logger
	Now         func() time.Time
}

// Defaults returns the configuration of a plain `go run .`.
func Defaults() Config {
	return Config{
		Addr:           ":8080",
		DatabaseURL:    "sqlite://./data/app.db",
		StorageURL:     "file://./data/files",
		PublicURL:      "http://localhost:8080",
		UserFileQuota:  5,
		MaxUploadBytes: files.DefaultMaxUpload,
		MaxJSONBytes:   jsonio.DefaultMaxBytes,
		MaxImageBody:   maarch.DefaultMaxBodyBytes,
		TemporaryFiles: files.DefaultTempFiles,
		TemporaryBytes: files.DefaultTempBytes,
		SignatureSets:  signatures.DefaultMaxSets,
		SignatureBytes: signatures.DefaultMaxUserBytes,
		LinkTTL:        time.Hour,
		DrainDelay:     5 * time.Second,
		ShutdownGrace:  20 * time.Second,
		MaxAPIKeyTTL:   accounts.DefaultMaxAPIKeyTTL,
		GraphQL:        graph.DefaultOptions,
		GraphQLLoading: LoadingAuto,
		LoginRate:      ratelimit.PerMinute(10, 10),
		APIRate:        ratelimit.PerMinute(100, 20),
		Budget:         budget.Defaults,

		PersistedQueries: true,
	}
}

// withDefaults fills zero fields from Defaults.
func (c Config) withDefaults() Config {
	d := Defaults()
	if c.DatabaseURL == "" {
		c.DatabaseURL = d.DatabaseURL
	}
	if c.StorageURL == "" {
		c.StorageURL = d.StorageURL
	}
	if c.PublicURL == "" {
		c.PublicURL = d.PublicURL
	}
	if c.UserFileQuota <= 0 {
		c.UserFileQuota = d.UserFileQuota
	}
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = d.MaxUploadBytes
	}
	if c.MaxImageBody <= 0 {
		c.MaxImageBody = d.MaxImageBody
	}
	if c.MaxJSONBytes <= 0 {
		c.MaxJSONBytes = d.MaxJSONBytes
	}
	if c.GraphQL == (graph.Options{}) {
		c.GraphQL = d.GraphQL
	}
	c.GraphQL.MaxUploadBytes = c.MaxUploadBytes
	c.GraphQL.MaxBodyBytes = c.MaxJSONBytes
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.GraphQL.Logger = c.Logger
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
