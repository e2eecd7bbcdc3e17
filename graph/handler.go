package graph

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"userbridge/graph/relay"
	"userbridge/internal/edge/budget"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/signatures"
)

// Options configure the GraphQL server.
type Options struct {
	Limits     Limits
	Complexity int // maximum complexity per operation (0: off)
	// ListSize is the number of items complexity assumes for a list other
	// than a connection, which counts first, last or PageSize (0: the
	// default's).
	ListSize       int
	TokenLimit     int   // parser token limit (0: gqlgen's default)
	Introspection  bool  // allow __schema and __type
	MaxUploadBytes int64 // multipart uploads
	MaxBodyBytes   int64 // JSON request bodies
	PageSize       int   // connection page when neither first nor last is given
	MaxPageSize    int   // largest first or last
	// MaxAnswerBytes bounds the bytes of large fields (signature images)
	// one answer carries (answer_bytes.go); 0: DefaultMaxAnswerBytes.
	MaxAnswerBytes int64
	Logger         *slog.Logger
	// Observer counts operations and traces them (observe.go); nil: off.
	Observer *Observer
	// PersistedQueries keeps automatic persisted queries (apq.go); nil: off.
	PersistedQueries *PersistedQueries
	// Budget spends each client's cost points and bounds its requests in
	// flight (budget.go); nil: off.
	Budget *budget.Budget
	// EdgeByEdge loads each edge of a page by a statement of its own
	// instead of planning the page and its edges into one (relay.Planned);
	// false, the default, plans them.
	EdgeByEdge bool
	// FieldByField answers every query through gqlgen's executor, field
	// by field, instead of writing the queries direct.go knows in one
	// pass; false, the default, writes them directly. Like EdgeByEdge, it
	// is there for the differential test.
	FieldByField bool
	// Subscriptions configure the WebSocket endpoint (ws.go); nil or
	// without an authenticator, upgrades are refused.
	Subscriptions *SubscriptionOptions
}

// DefaultOptions are the production defaults.
var DefaultOptions = Options{
	Limits:         DefaultLimits,
	Complexity:     10000,
	ListSize:       100,
	TokenLimit:     15000,
	Introspection:  true,
	MaxUploadBytes: files.DefaultMaxUpload,
	MaxBodyBytes:   DefaultMaxBodyBytes,
	PageSize:       relay.DefaultPageSize,
	MaxPageSize:    relay.DefaultMaxPage,
	MaxAnswerBytes: DefaultMaxAnswerBytes,
}

// NewHandler returns the GraphQL HTTP handler over the resolver: POST and GET
// per GraphQL-over-HTTP, multipart uploads, shape and complexity limits,
// errors with extensions.code, and panics recovered.
func NewHandler(r *Resolver, o Options) http.Handler {
	maxBody := o.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	h := guard(withConnections(newServer(r, o, postJSON{}), r, o), maxBody, maxUploadBytes(o), logger, o.Budget)
	ws := newWSEndpoint(r, o)
	if ws == nil {
		return h
	}
	wsh := withConnections(ws, r, o)
	return &Handler{http: h, ws: ws, wsHTTP: wsh}
}

// Handler is the GraphQL endpoint with subscriptions: WebSocket upgrades
// go to the subscription endpoint (ws.go), outside the budget's slots,
// everything else to the HTTP transports.
type Handler struct {
	http, wsHTTP http.Handler
	ws           *wsEndpoint
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isWebSocket(r) {
		h.wsHTTP.ServeHTTP(w, r)
		return
	}
	h.http.ServeHTTP(w, r)
}

// Shutdown closes every WebSocket (1001, going away) and refuses new ones:
// http.Server.Shutdown does not wait for or close hijacked connections.
func (h *Handler) Shutdown() { h.ws.shutdown() }

func maxUploadBytes(o Options) int64 {
	if o.MaxUploadBytes <= 0 {
		return DefaultOptions.MaxUploadBytes
	}
	return o.MaxUploadBytes
}

// newServer is the gqlgen server, with post as its POST transport.
func newServer(r *Resolver, o Options, post graphql.Transport) *handler.Server {
	es := NewExecutableSchema(Config{Resolvers: r})
	srv := handler.New(es)
	srv.AddTransport(getQuery{})
	srv.AddTransport(post)
	// capUpload (guard) bounds the body and answers 413; the multipart
	// transport (multipart.go) bounds the map and spools files of a large
	// request to temporary files, never holding them in memory.
	srv.AddTransport(multipartForm{})
	// Every request nobody else takes gets a coded error (405, 415).
	srv.AddTransport(otherRequest{})
	configureServer(srv, r, o)
	if !o.FieldByField {
		// Last, so innermost: every other extension sees a direct answer as
		// it sees the executor's. Not on the WebSocket endpoint, whose
		// transport asks an operation for responses until it has none.
		srv.Use(directAnswers{es: es.(*executableSchema), note: o.Observer.noteDirect})
	}
	return srv
}

// configureServer gives srv the extensions every transport shares; first
// run before them.
func configureServer(srv *handler.Server, r *Resolver, o Options, first ...graphql.HandlerExtension) {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	for _, ext := range first {
		srv.Use(ext)
	}
	cache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(cache)
	if o.TokenLimit > 0 {
		srv.SetParserTokenLimit(o.TokenLimit)
	}
	if o.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
		srv.SetValidationRulesFn(func() *rules.Rules { return withoutSuggestions(rules.NewDefaultRules()) })
	}
	if o.Observer != nil {
		srv.Use(o.Observer) // first: its span wraps every other extension's work
	}
	if o.PersistedQueries != nil {
		// Before every guard, which then reads the document it fetched.
		srv.Use(extension.AutomaticPersistedQuery{Cache: lookupOnly{o.PersistedQueries}})
	}
	srv.Use(inputLimits{}) // before gqlgen converts arguments (input_limits.go)
	srv.Use(inputText{})   // NUL bytes and invalid UTF-8 (input_text.go)
	srv.AroundOperations(aroundConnections(r, o))
	srv.Use(exactEnums{schema: parsedSchema}) // enum_variables.go
	listSize := o.ListSize
	if listSize <= 0 {
		listSize = DefaultOptions.ListSize
	}
	pageSize := o.PageSize
	if pageSize <= 0 {
		pageSize = DefaultOptions.PageSize
	}
	srv.Use(limitsGuard{limits: o.Limits, complexity: o.Complexity, listSize: listSize, pageSize: pageSize,
		tokenLimit: o.TokenLimit, cache: cache})
	userBytes := int64(signatures.DefaultMaxUserBytes)
	if r.Signatures != nil {
		userBytes = r.Signatures.UserBytesLimit()
	}
	srv.Use(newAnswerGuard(o.MaxAnswerBytes, listSize, pageSize, userBytes))
	srv.Use(spendBudget{}) // after every guard: the complexity is known (budget.go)
	if o.PersistedQueries != nil {
		srv.Use(registerPersisted{o.PersistedQueries}) // after every guard (apq.go)
	}
	srv.AroundResponses(capErrors)
	srv.SetErrorPresenter(presentError(logger))
	srv.SetRecoverFunc(recoverPanic())
}
