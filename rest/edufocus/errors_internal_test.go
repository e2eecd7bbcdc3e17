package edufocus

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"userbridge/internal/apperr"
)

// TestRecoverer checks that a panic answers the dialect's 500 with no
// detail (no route of the real router panics on purpose).
func TestRecoverer(t *testing.T) {
	h := newHandlers(Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rec := httptest.NewRecorder()
	h.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail") })).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/users/@current", nil))
	want := `{"code":500,"status":"failure","message":"internal_error"}`
	if rec.Code != 500 || rec.Body.String() != want {
		t.Fatalf("got %d %s", rec.Code, rec.Body.String())
	}
}

// TestSpellings checks the rows of the error table no route reaches in the
// other tests.
func TestSpellings(t *testing.T) {
	cases := []struct {
		err    error
		status int
		msg    string
	}{
		{errors.New("boom"), 500, "internal_error"},
		{apperr.New(apperr.RateLimited, "rate_limited", ""), 429, "rate_limited"},
		{apperr.New(apperr.Unauthenticated, "account_suspended", ""), 401, "invalid_token"},
		{apperr.New(apperr.Forbidden, "privilege", ""), 403, "forbidden"},
		{apperr.New(apperr.Conflict, "conflict", ""), 400, "used_username"},
		{apperr.New(apperr.TooLarge, "too_large", ""), 413, "payload_too_large"},
	}
	for _, c := range cases {
		s, msg := spell(c.err)
		if s.status != c.status || msg != c.msg {
			t.Errorf("%v: got %d %s, want %d %s", c.err, s.status, msg, c.status, c.msg)
		}
	}
}
