package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/cors"
)

// ParseCORSOrigins reads CORS_ORIGINS: comma-separated origins
// (scheme://host[:port], no path) or "*" for any. Empty: no CORS headers,
// browsers on other origins are refused as before.
func ParseCORSOrigins(s string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(s, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o == "*" {
			out = append(out, o)
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("%q is not an origin: want scheme://host[:port] or *", o)
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out, nil
}

// corsFor lets browsers on the configured origins call the API (/graphql and
// the dialects): it answers preflights itself, before authentication, and
// marks the actual responses. Credentials travel in the Authorization
// header, never cookies, so AllowCredentials stays off and "*" is safe.
func corsFor(origins []string) func(http.Handler) http.Handler {
	if len(origins) == 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	return cors.Handler(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
			http.MethodPatch, http.MethodDelete},
		AllowedHeaders: []string{"Authorization", "Content-Type", "Accept", "X-Request-Id", "Traceparent", "Tracestate"},
		ExposedHeaders: []string{"X-Request-Id", "Location", "Retry-After", "RateLimit-Limit",
			"RateLimit-Remaining", "RateLimit-Reset", "Content-Disposition"},
		MaxAge: 600,
	})
}
