package oauth

import (
	_ "embed" // the favicon
	"net/http"
)

//go:embed assets/favicon.svg
var faviconSVG []byte

// serveFavicon is GET /oauth/assets/favicon.svg, the screens' icon (a
// static route, which chi prefers to /assets/{name}). It never changes
// with a request, so browsers may keep it a day.
func serveFavicon(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(faviconSVG)
}
