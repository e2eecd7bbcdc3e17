package app

import (
	"net/http"

	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// adminMetrics is /metrics on the main address: the registry, shown only
// to an administrator's own credential (policy.ReadMetrics). The figures
// name the clients' GraphQL operations and show the load, so they are not
// for anyone who can reach the port; Prometheus sends the token
// (`authorization: {credentials_file: ...}` in its scrape config), or the
// operator moves the endpoint to METRICS_ADDR, where it is open.
func (a *App) adminMetrics() http.Handler {
	metrics := a.metricsHandler()
	return a.Auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := auth.Resolve(r.Context())
		if err == nil {
			err = policy.ReadMetrics(v)
		}
		if err == nil {
			metrics.ServeHTTP(w, r)
			return
		}
		e := apperr.As(err)
		switch e.Kind {
		case apperr.Unauthenticated:
			w.Header().Set("WWW-Authenticate", `Bearer realm="userbridge"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": e.Message})
		case apperr.Forbidden:
			writeJSON(w, http.StatusForbidden, map[string]string{"error": e.Message})
		case apperr.Unavailable:
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "service unavailable"})
		default:
			a.Config.Logger.ErrorContext(r.Context(), "metrics: authenticating", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		}
	}))
}
