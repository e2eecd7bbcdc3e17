package app

import (
	"net/http"

	"userbridge/internal/edge/reqinfo"
)

// clientAddr records the client's address for everything keyed on it (login
// limits, anonymous users-v1 limits): the peer, or what a trusted proxy
// reports (Config.TrustedProxies, reqinfo.Proxies.ClientAddr).
func (a *App) clientAddr(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := a.Config.TrustedProxies.ClientAddr(r)
		next.ServeHTTP(w, r.WithContext(reqinfo.WithClientAddr(r.Context(), addr)))
	})
}
