package app

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"userbridge/graph"
	"userbridge/internal/apperr"
	"userbridge/internal/oauth"
	"userbridge/playground"
	"userbridge/rest/edufocus"
	"userbridge/rest/eduplatform"
	"userbridge/rest/maarch"
	"userbridge/rest/routing"
	"userbridge/rest/usersv1"
)

// openAPIDocs are the dialects' OpenAPI documents, served at
// /openapi/{name}.json: each dialect adds its entry here.
var openAPIDocs = map[string][]byte{
	"usersv1":     usersv1.OpenAPI,
	"eduplatform": eduplatform.OpenAPI,
	"maarch":      maarch.OpenAPI,
	"edufocus":    edufocus.OpenAPI,
}

// routes is the whole HTTP surface of the service.
func (a *App) routes() (http.Handler, error) {
	apq, err := a.openPersistedQueries()
	if err != nil {
		return nil, err
	}
	r := chi.NewRouter()
	r.Use(requestID, a.clientAddr, a.recoverer, a.accessLog, a.metrics())
	dialects := a.dialects()
	// chi refuses a method it does not know (PROPFIND, "get") before any
	// mounted router runs; under a dialect's prefix, the dialect answers.
	r.MethodNotAllowed(routing.ByPrefix(dialects, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
	}))
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	})

	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	r.Get("/readyz", a.readyz)
	if a.Config.MetricsAddr == "" {
		r.Handle("/metrics", a.adminMetrics())
	}
	r.Get("/", http.RedirectHandler("/graphiql", http.StatusFound).ServeHTTP)
	pg := playground.Handler("/graphql")
	r.Handle("/graphiql", pg)
	r.Handle("/graphiql/*", pg)
	r.Get("/openapi/{name}.json", serveOpenAPI)
	// The schema as SDL for code generators; hidden with introspection.
	if a.Config.GraphQL.Introspection {
		r.Get("/graphql/schema.graphql", graph.ServeSDL)
	}
	if a.Config.Pprof {
		r.Mount("/debug", middleware.Profiler())
	}
	// OAuth 2.0: the endpoints authenticate clients themselves (Basic,
	// client_id), outside the API's Bearer middleware.
	oauth.New(oauth.Config{Client: a.Store.Client, Accounts: a.Accounts, PublicURL: a.Config.PublicURL,
		Key: a.Files.DeriveKey("oauth screens"), Now: a.Config.Now, Logger: a.Config.Logger,
		SecretConfigured: a.Config.Secret != "", SealKey: a.Files.DeriveKey("oidc signing keys"),
		KeyRotation: a.Config.OIDCKeyRotation, SigningAlg: a.Config.OIDCSigningAlg, Avatars: a.Files,
		CORSOrigins: a.Config.CORSOrigins, Auth: a.Auth}).Routes(r)
	// Signed download links: the link is the credential.
	r.With(noStore).Get("/files/{signed}/{name}", a.Files.Download)
	r.With(noStore).Head("/files/{signed}/{name}", a.Files.Download)

	// The API: CORS first (a preflight is answered before anything else),
	// then no-store, so that even an authentication failure carries it. Only the playground, the OpenAPI documents and the
	// health and metrics endpoints, which hold no personal data, go without.
	r.Group(func(r chi.Router) {
		r.Use(corsFor(a.Config.CORSOrigins), noStore, a.Auth.Middleware, noteUser)
		gqlOpts := a.Config.GraphQL
		gqlOpts.EdgeByEdge = a.Config.edgeByEdge(a.Store.Dialect)
		gqlOpts.Observer = graph.NewObserver(a.Metrics, a.tracer)
		gqlOpts.PersistedQueries = apq
		gqlOpts.Subscriptions = a.subscriptionOptions()
		gql := graph.NewHandler(&graph.Resolver{Client: a.Store.Client, Accounts: a.Accounts,
			Files: a.Files, Signatures: a.Signatures}, gqlOpts)
		a.noteEndpoint(gql)
		r.Handle("/graphql", browsersToPlayground(gql))
		for _, d := range dialects {
			r.Mount(d.Prefix, d.Handler)
		}
	})
	a.router = r
	if a.tracer != nil {
		return traced(r, a.tracer), nil
	}
	return r, nil
}

// metricsHandler serves the registry in Prometheus' format.
func (a *App) metricsHandler() http.Handler {
	return promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{})
}

// dialects are the legacy APIs, each mounted under its own prefix.
func (a *App) dialects() []routing.Mount {
	ef := edufocus.Deps{Accounts: a.Accounts, Files: a.Files, MaxBodyBytes: a.Config.MaxJSONBytes, Logger: a.Config.Logger}
	return []routing.Mount{
		{Prefix: eduplatform.Prefix, Handler: eduplatform.Routes(eduplatform.Deps{Accounts: a.Accounts,
			Files: a.Files, Logger: a.Config.Logger})},
		{Prefix: "/v1", Handler: usersv1.Routes(usersv1.Deps{Accounts: a.Accounts, Limiter: a.APILimiter,
			MaxBodyBytes: a.Config.MaxJSONBytes, Logger: a.Config.Logger})},
		{Prefix: "/rest", Handler: maarch.Routes(maarch.Deps{Accounts: a.Accounts, Avatars: a.Files,
			Signatures: a.Signatures, MaxBodyBytes: a.Config.MaxImageBody, Logger: a.Config.Logger})},
		{Prefix: "/users", Handler: edufocus.Routes(ef)},
		{Prefix: "/files", Handler: edufocus.FilesRoutes(ef)},
	}
}

func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	err := a.Ready(r.Context())
	if errors.Is(err, ErrDraining) {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	if err != nil {
		// An unreachable database is logged once per outage by the store,
		// not on every probe.
		if !apperr.Is(err, apperr.Unavailable) {
			a.Config.Logger.ErrorContext(r.Context(), "not ready", "err", err)
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// serveOpenAPI answers a dialect's OpenAPI document, or 404.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	doc, ok := openAPIDocs[chi.URLParam(r, "name")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(doc)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
