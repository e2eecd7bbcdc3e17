package oauth

import (
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"
)

var (
	//go:embed templates/*.html
	templateFS embed.FS
	//go:embed assets/style.css
	styleCSS []byte

	pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))
)

// page is what every screen template reads.
type page struct {
	Lang, Title string
	T           map[string]string
	CSRF        string
	// login
	AppName, ReturnTo, Email, Error string
	// consent
	Verified  bool
	UserEmail string
	Scopes    []scopeLine
	Action    string
	// error
	Code string
	// the account page and its sign-in (account.go)
	Account *accountView
}

type scopeLine struct{ Name, Text string }

// render writes a screen with the headers every screen carries: a CSP
// allowing nothing but the embedded stylesheet and forms posted here or to
// the application's redirect URI (Chromium applies form-action to the
// redirect that follows a form), never framed.
func render(w http.ResponseWriter, status int, name, formTarget string, p page) {
	formAction := "'self'"
	if formTarget != "" {
		formAction += " " + formTarget
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action "+
		formAction+"; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Language", p.Lang)
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, p)
}

// origin is the scheme and host of a redirect URI, for form-action.
func origin(redirectURI *url.URL) string {
	if redirectURI == nil || redirectURI.Scheme == "" {
		return ""
	}
	if redirectURI.Host == "" {
		return redirectURI.Scheme + ":"
	}
	return redirectURI.Scheme + "://" + redirectURI.Host
}

func newPage(r *http.Request, titleKey string, args ...any) page {
	lang := pickLang(r)
	t := texts[lang]
	title := t[titleKey]
	if len(args) > 0 {
		title = strings.ReplaceAll(title, "%s", args[0].(string))
	}
	return page{Lang: lang, T: t, Title: title}
}

// errorPage shows an error that cannot go back to the application: its
// redirect URI is unknown or not registered, so redirecting would make the
// service an open redirector.
func errorPage(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	p := newPage(r, "error_title")
	p.Code, p.Error = code, msg
	render(w, status, "error", "", p)
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	if chi.URLParam(r, "name") != "style.css" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(styleCSS)
}
