package oauth

import (
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"userbridge/ent"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
)

// The account page: who the signed-in person is, the applications they
// authorized (each revocable), their password, and signing out. It lives
// under /oauth, where the screens' cookies are scoped (so no other page of
// the service ever receives them); /account redirects there. Every form
// carries the CSRF token of the screens and is refused from another
// origin; the session cookie stays SameSite=Lax, so a cross-site POST
// arrives without it. What the forms do is decided by package accounts:
// RevokeApplication and UpdateViewer, as GraphQL's revokeApplication and
// updateViewer decide it.

// accountPath is the account page.
const accountPath = "/oauth/account"

// accountView is what the account templates read beside page.
type accountView struct {
	Email, Username, PublicID, Name string
	Apps                            []authorizedApp
	// Notice says what the last form did; PasswordError why the password
	// form was refused.
	Notice, PasswordError string
	MinPassword           int
}

// authorizedApp is one application the person authorized.
type authorizedApp struct {
	ClientID, Name string
	Verified       bool
	Scopes         []scopeLine
	Since          string
}

// accountRoutes mounts the account page and its forms under /oauth.
func (s *Server) accountRoutes(r chi.Router) {
	r.Get("/account", s.accountPage)
	r.Get("/account/signin", s.accountSignInPage)
	r.Post("/account/signin", s.accountSignIn)
	r.Post("/account/revoke", s.accountRevoke)
	r.Post("/account/password", s.accountPassword)
	r.Post("/account/signout", s.accountSignOut)
	r.Get("/assets/favicon.svg", serveFavicon)
}

// accountHome is GET /account, the address people type: the page is under
// /oauth with the screens' cookies.
func accountHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, accountPath, http.StatusFound)
}

// accountViewer is the signed-in person as the rules see them: a
// first-party sign-in with the password, like GraphQL's login.
func accountViewer(u *ent.User) *auth.Viewer {
	return &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
}

// accountPage is GET /oauth/account: the page, or the sign-in screen's
// address when nobody is signed in.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	u := s.sessionUser(r)
	if u == nil {
		http.Redirect(w, r, accountPath+"/signin", http.StatusSeeOther)
		return
	}
	s.renderAccount(w, r, http.StatusOK, u, notices[r.URL.Query().Get("done")], "")
}

// notices are the words of ?done= after a form succeeded (post, redirect,
// get: reloading the page does not post again).
var notices = map[string]string{"revoked": "account_revoked", "password": "account_password_changed"}

// renderAccount shows the account page of u with a notice (a key of
// texts) or a refusal of the password form.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, u *ent.User, notice, passwordError string) {
	p := newPage(r, "account_title")
	p.CSRF = s.csrfToken(w, r)
	view := &accountView{Email: u.Email, Username: u.Username, PublicID: u.PublicID, Name: accounts.DisplayName(u),
		Notice: p.T[notice], PasswordError: passwordError, MinPassword: accounts.MinPassword}
	consents, err := s.cfg.Accounts.AuthorizedApplications(r.Context(), accountViewer(u))
	if err != nil {
		s.accountFailure(w, r, err)
		return
	}
	for _, c := range consents {
		app := c.Edges.Application
		if app == nil {
			continue
		}
		a := authorizedApp{ClientID: app.ClientID, Name: app.Name, Verified: app.Verified,
			Since: c.UpdatedAt.UTC().Format(time.DateOnly)}
		for _, sc := range c.Scopes {
			a.Scopes = append(a.Scopes, scopeLine{Name: sc, Text: p.T["scope_"+sc]})
		}
		view.Apps = append(view.Apps, a)
	}
	p.Account = view
	render(w, status, "account", "", p)
}

// accountSignInPage is GET /oauth/account/signin: the sign-in screen,
// coming back to the account page.
func (s *Server) accountSignInPage(w http.ResponseWriter, r *http.Request) {
	if s.sessionUser(r) != nil {
		http.Redirect(w, r, accountPath, http.StatusSeeOther)
		return
	}
	s.renderAccountSignIn(w, r, http.StatusOK, "", "")
}

func (s *Server) renderAccountSignIn(w http.ResponseWriter, r *http.Request, status int, email, msg string) {
	p := newPage(r, "signin_title")
	p.AppName, p.Action, p.ReturnTo, p.Email, p.Error = "userbridge", accountPath+"/signin", accountPath, email, msg
	p.CSRF = s.csrfToken(w, r)
	p.Account = &accountView{}
	render(w, status, "login", "", p)
}

// sameOrigin reports whether a form was posted from this service's own
// pages: a browser names the page's origin in Origin (and says
// cross-site in Sec-Fetch-Site), which a page elsewhere cannot hide. The
// CSRF token already refuses a forged form; this refuses it before any
// work, whatever the cookies.
func (s *Server) sameOrigin(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	if site != "" && site != "same-origin" && site != "none" {
		return false
	}
	o := r.Header.Get("Origin")
	// The screens' Referrer-Policy is no-referrer, under which a browser
	// posts even the page's own forms with "Origin: null"; Sec-Fetch-Site,
	// which no page can set, then vouches that the post is our own.
	if o == "" || o == "null" && site == "same-origin" {
		return true
	}
	own, err := url.Parse(s.cfg.PublicURL)
	return err == nil && o == own.Scheme+"://"+own.Host
}
