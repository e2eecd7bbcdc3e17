package shadow

import (
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

//go:embed page.html style.css
var assets embed.FS

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"css": func() template.CSS {
		b, _ := assets.ReadFile("style.css")
		return template.CSS(b) //nolint:gosec // our own embedded stylesheet
	},
	"outcome": func(m map[string]int64, k string) int64 { return m[k] },
}).ParseFS(assets, "page.html"))

// tokenCookie carries the administrator's token for the page, set by its
// sign-in form: a browser cannot add an Authorization header by itself.
// Path /shadow/ keeps it off every request forwarded upstream.
const tokenCookie = "userbridge_shadow_token"

// Admin serves /shadow/ (the page), /shadow/report.json and
// /shadow/metrics (metrics, Prometheus' format), only to an administrator
// of this store: a Bearer token in the Authorization header, or the page's
// sign-in cookie.
func Admin(res *Results, authn *auth.Authenticator, metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.URL.Path == "/shadow" {
			http.Redirect(w, r, "/shadow/", http.StatusFound)
			return
		}
		if r.URL.Path == "/shadow/" && r.Method == http.MethodPost {
			signIn(w, r, authn)
			return
		}
		header := r.Header.Get("Authorization")
		if c, err := r.Cookie(tokenCookie); header == "" && err == nil && c.Value != "" {
			header = "Bearer " + c.Value
		}
		v, err := authn.Authenticate(r.Context(), header)
		switch {
		case err != nil || v == nil:
			if r.URL.Path == "/shadow/" {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusUnauthorized)
				_ = page.Execute(w, pageData{SignIn: true, Failed: header != ""})
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="userbridge shadow"`)
			adminError(w, http.StatusUnauthorized, "an administrator's token of this store is required")
			return
		case !policy.IsAdmin(v.User):
			adminError(w, http.StatusForbidden, "only an administrator of this store may read the report")
			return
		}
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			adminError(w, http.StatusMethodNotAllowed, "method not allowed")
		case r.URL.Path == "/shadow/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = page.Execute(w, pageData{Report: res.Snapshot()})
		case r.URL.Path == "/shadow/report.json":
			w.Header().Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(res.Snapshot())
		case r.URL.Path == "/shadow/metrics" && metrics != nil:
			metrics.ServeHTTP(w, r)
		default:
			adminError(w, http.StatusNotFound, "not found")
		}
	})
}

type pageData struct {
	SignIn, Failed bool
	Report         Report
}

// signIn checks the form's token and keeps it in a cookie for the page.
func signIn(w http.ResponseWriter, r *http.Request, authn *auth.Authenticator) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	token := strings.TrimSpace(r.PostFormValue("token"))
	v, err := authn.Authenticate(r.Context(), "Bearer "+token)
	if token == "" || err != nil || v == nil || !policy.IsAdmin(v.User) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_ = page.Execute(w, pageData{SignIn: true, Failed: true})
		return
	}
	// Secure follows the listener: the shadow takes the legacy clients'
	// plain HTTP when they use it, and a Secure cookie would never return.
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: token, Path: "/shadow/", //nolint:gosec // see above
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/shadow/", http.StatusSeeOther)
}

func adminError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
