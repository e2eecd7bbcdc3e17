package app

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"userbridge/graph"
	"userbridge/playground"
)

// routes is the whole HTTP surface of the service.
func (a *App) routes() (http.Handler, error) {
	r := chi.NewRouter()
	r.Use(requestID, a.recoverer, a.accessLog, a.metrics())

	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	r.Get("/readyz", a.readyz)
	r.Handle("/metrics", promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{}))
	r.Get("/", http.RedirectHandler("/graphiql", http.StatusFound).ServeHTTP)
	pg := playground.Handler("/graphql")
	r.Handle("/graphiql", pg)
	r.Handle("/graphiql/*", pg)

	r.Group(func(r chi.Router) {
		r.Use(a.Auth.Middleware)
		gql := graph.NewHandler(&graph.Resolver{Client: a.Store.Client, Accounts: a.Accounts}, a.Config.GraphQL)
		r.Handle("/graphql", gql)
		// The legacy dialects mount here, each under its own prefix.
	})
	return r, nil
}

func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	if err := a.Ready(r.Context()); err != nil {
		a.Config.Logger.ErrorContext(r.Context(), "not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
