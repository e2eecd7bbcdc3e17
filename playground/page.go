package playground

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// pageTemplate is the playground's HTML. It has no inline script or style:
// the endpoint reaches the bundle through a data attribute, which keeps the
// Content-Security-Policy strict.
var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>userbridge GraphiQL</title>
<link rel="stylesheet" href="{{.CSS}}">
<script defer src="{{.JS}}"></script>
</head>
<body>
<div id="graphiql" data-endpoint="{{.Endpoint}}">Loading GraphiQL…</div>
<noscript>The GraphiQL playground needs JavaScript.</noscript>
</body>
</html>
`))

// page renders the HTML that loads the bundle and points it at endpoint.
type page struct {
	endpoint string
	assets   assetSet
	csp      string
}

// newPage prepares the page for endpoint; see contentSecurityPolicy.
func newPage(endpoint string, assets assetSet) *page {
	return &page{endpoint: endpoint, assets: assets, csp: contentSecurityPolicy(endpoint)}
}

// contentSecurityPolicy allows scripts, styles and fetches from the page's
// own origin only, so a stray CDN reference fails loudly. Inline styles are
// allowed because the editors set element styles; fonts are data: URLs in
// GraphiQL's CSS. An absolute endpoint URL adds its origin to connect-src,
// with its WebSocket twin for subscriptions; 'self' covers the same
// origin's ws: and wss: (CSP Level 3).
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && u.Scheme != "" && u.Host != "" {
		ws := "ws"
		if u.Scheme == "https" {
			ws = "wss"
		}
		connect += " " + u.Scheme + "://" + u.Host + " " + ws + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"font-src 'self' data:",
		"img-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// serve writes the page. Asset links are absolute paths built from the
// request's original path (r.RequestURI survives http.StripPrefix), so they
// resolve the same from /graphiql and /graphiql/.
func (p *page) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	base := strings.TrimSuffix(originalPath(r), "/")
	var buf bytes.Buffer
	err := pageTemplate.Execute(&buf, struct{ CSS, JS, Endpoint string }{
		CSS:      p.assets.url(base, "graphiql.css"),
		JS:       p.assets.url(base, "graphiql.js"),
		Endpoint: p.endpoint,
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("Cache-Control", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(buf.Bytes())
}

// originalPath is the path the client asked for, before any prefix
// stripping; it falls back to r.URL.Path for requests built in-process.
func originalPath(r *http.Request) string {
	if r.RequestURI != "" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.Path != "" {
			return u.Path
		}
	}
	return r.URL.Path
}
