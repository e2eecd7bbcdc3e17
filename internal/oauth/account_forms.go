package oauth

import (
	"fmt"
	"net/http"
	"strings"

	"userbridge/ent"
	"userbridge/internal/apperr"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
)

// accountForm reads a posted form of the account screens and checks that
// it comes from them: bounded, same origin, the CSRF token of the
// browser's cookie. It answers the refusal itself and returns false.
func (s *Server) accountForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		errorPage(w, r, http.StatusBadRequest, "invalid_request", "The form could not be read.")
		return false
	}
	if !s.sameOrigin(r) || !s.checkCSRF(r) {
		errorPage(w, r, http.StatusForbidden, "invalid_request", texts[pickLang(r)]["account_csrf"])
		return false
	}
	return true
}

// accountUser is the signed-in person of a posted form, or nil after
// sending the browser to the sign-in screen.
func (s *Server) accountUser(w http.ResponseWriter, r *http.Request) *ent.User {
	u := s.sessionUser(r)
	if u == nil {
		http.Redirect(w, r, accountPath+"/signin", http.StatusSeeOther)
	}
	return u
}

// accountSignIn is POST /oauth/account/signin: the password is checked as
// the authorization's sign-in checks it (CheckPassword, under the same
// per-account and per-address limits), then the account page.
func (s *Server) accountSignIn(w http.ResponseWriter, r *http.Request) {
	if !s.accountForm(w, r) {
		return
	}
	email := r.PostForm.Get("email")
	u, err := s.cfg.Accounts.CheckPassword(r.Context(), email, r.PostForm.Get("password"), reqinfo.ClientAddr(r.Context()))
	if err != nil {
		t := texts[pickLang(r)]
		switch e := apperr.As(err); {
		case e.Kind == apperr.RateLimited:
			s.renderAccountSignIn(w, r, http.StatusTooManyRequests, email, t["rate_limited"])
		case e.Kind == apperr.Unauthenticated && (e.Reason == auth.ReasonAccountBanned || e.Reason == auth.ReasonAccountSuspended):
			s.renderAccountSignIn(w, r, http.StatusUnauthorized, email, t["account_blocked"])
		case e.Kind == apperr.Unauthenticated:
			s.renderAccountSignIn(w, r, http.StatusUnauthorized, email, t["bad_login"])
		default:
			s.accountFailure(w, r, err)
		}
		return
	}
	s.startSession(w, u)
	http.Redirect(w, r, accountPath, http.StatusSeeOther)
}

// accountRevoke is POST /oauth/account/revoke: the person withdraws an
// application's access (consent, tokens, pending codes). An application
// they never authorized, or none with that client id, is not found.
func (s *Server) accountRevoke(w http.ResponseWriter, r *http.Request) {
	if !s.accountForm(w, r) {
		return
	}
	u := s.accountUser(w, r)
	if u == nil {
		return
	}
	clientID := r.PostForm.Get("client_id")
	if !plainID(clientID) {
		clientID = "" // names nothing (and PostgreSQL refuses NUL and invalid UTF-8): not found
	}
	if err := s.cfg.Accounts.RevokeApplication(r.Context(), accountViewer(u), clientID); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			s.renderAccount(w, r, http.StatusNotFound, u, "account_no_such_app", "")
			return
		}
		s.accountFailure(w, r, err)
		return
	}
	http.Redirect(w, r, accountPath+"?done=revoked", http.StatusSeeOther)
}

// accountPassword is POST /oauth/account/password: the current password,
// the new one twice. The rules of every password change apply
// (UpdateViewer: length, the current password under the login limit, every
// credential of the person revoked); the new password's mark ends every
// other session of the screens, and this browser gets a new one.
func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request) {
	if !s.accountForm(w, r) {
		return
	}
	u := s.accountUser(w, r)
	if u == nil {
		return
	}
	t := texts[pickLang(r)]
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	if next != r.PostForm.Get("new_password_again") {
		s.renderAccount(w, r, http.StatusBadRequest, u, "", t["account_password_mismatch"])
		return
	}
	changed, _, err := s.cfg.Accounts.UpdateViewer(r.Context(), accountViewer(u),
		accounts.UpdateInput{Password: &next, CurrentPassword: &current})
	if err != nil {
		e := apperr.As(err)
		switch {
		case e.Kind == apperr.Invalid && e.Reason == accounts.ReasonWrongCurrentPassword:
			s.renderAccount(w, r, http.StatusBadRequest, u, "", t["account_wrong_password"])
		case e.Kind == apperr.Invalid && (e.Reason == accounts.ReasonPasswordTooShort || e.Reason == accounts.ReasonPasswordTooLong):
			msg := strings.NewReplacer("%min", fmt.Sprint(accounts.MinPassword), "%max", fmt.Sprint(accounts.MaxPassword)).
				Replace(t["account_password_length"])
			s.renderAccount(w, r, http.StatusBadRequest, u, "", msg)
		case e.Kind == apperr.RateLimited:
			s.renderAccount(w, r, http.StatusTooManyRequests, u, "", t["rate_limited"])
		default:
			s.accountFailure(w, r, err)
		}
		return
	}
	s.startSession(w, changed)
	http.Redirect(w, r, accountPath+"?done=password", http.StatusSeeOther)
}

// accountSignOut is POST /oauth/account/signout, from the account page or
// the "not you?" of the sign-in and consent screens: the session ends and
// the browser goes back where it was (an authorization request, which
// then asks who is signing in) or to the signed-out page.
func (s *Server) accountSignOut(w http.ResponseWriter, r *http.Request) {
	if !s.accountForm(w, r) {
		return
	}
	s.endSession(w)
	// Only back to this service's own screens: never an open redirect.
	if back := r.PostForm.Get("return_to"); strings.HasPrefix(back, "/oauth/authorize?") {
		http.Redirect(w, r, back, http.StatusSeeOther) //nolint:gosec // G710: checked above to be this service's own path
		return
	}
	render(w, http.StatusOK, "logged_out", "", newPage(r, "logged_out_title"))
}

// accountFailure answers what the person cannot fix: the database out of
// reach (retry later) or an internal error (no detail).
func (s *Server) accountFailure(w http.ResponseWriter, r *http.Request, err error) {
	if apperr.Is(err, apperr.Unavailable) {
		w.Header().Set("Retry-After", apperr.RetryAfter)
		errorPage(w, r, http.StatusServiceUnavailable, "temporarily_unavailable", unavailableDescription)
		return
	}
	s.cfg.Logger.ErrorContext(r.Context(), "account page", "request_id", reqinfo.RequestID(r.Context()), "err", err)
	errorPage(w, r, http.StatusInternalServerError, "server_error", "")
}

// plainID reports whether s could be a client id: at most 64 letters,
// digits, '-' or '_'.
func plainID(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
