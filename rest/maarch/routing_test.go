package maarch_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/imagedata"
	"userbridge/internal/store/db/dbtest"
	"userbridge/rest/maarch"
)

func TestRouting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url, func(c *app.Config) { c.MaxImageBody = 4096 }) // MAX_IMAGE_BODY_BYTES

		t.Run("route-404", func(t *testing.T) {
			for _, p := range []string{"/rest", "/rest/", "/rest/nope", "/rest/users/1", "/rest/users/1/signatures"} {
				expect(t, e.call(t, "GET", p, e.adminTok, nil), http.StatusNotFound, errJSON("Route not found"))
			}
			// Routing errors answer whoever asks.
			expect(t, e.call(t, "GET", "/rest/nope", "", nil), http.StatusNotFound, errJSON("Route not found"))
		})

		t.Run("route-405", func(t *testing.T) {
			cases := []struct{ method, path, allow string }{
				{"DELETE", "/rest/users", "GET, POST"},
				{"GET", sigPath(1), "PUT"},
				{"POST", sigPath(1), "PUT"},
			}
			for _, c := range cases {
				rec := e.call(t, c.method, c.path, e.adminTok, nil)
				expect(t, rec, http.StatusMethodNotAllowed, errJSON("Method not allowed"))
				if got := rec.Header().Get("Allow"); got != c.allow {
					t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
				}
			}
		})

		t.Run("body-413", func(t *testing.T) {
			big := `{"login":"` + strings.Repeat("a", 5000) + `"}`
			expect(t, e.call(t, "POST", "/rest/users", e.adminTok, big), http.StatusRequestEntityTooLarge, errJSON("Body is too large"))
			expect(t, e.call(t, "PUT", sigPath(e.member.ID), e.adminTok, big), http.StatusRequestEntityTooLarge, errJSON("Body is too large"))
		})

		t.Run("openapi served", func(t *testing.T) {
			rec := e.Do(apptest.Request("GET", "/openapi/maarch.json", "", nil))
			if rec.Code != http.StatusOK || rec.Body.String() != string(maarch.OpenAPI) {
				t.Fatalf("got %d", rec.Code)
			}
		})
	})
}

// failingAvatars refuses every avatar, as a full disk would.
type failingAvatars struct{}

func (failingAvatars) SetAvatarImageOf(context.Context, *auth.Viewer, *ent.User, *imagedata.Image) error {
	return errors.New("disk full")
}

// TestCreatePictureFailureLeavesNoUser: when the avatar cannot be stored,
// the transaction that wrote the user rolls back and the client gets a 500
// with no detail (TestCreateWithPictureIsOneTransaction fails the real
// storage).
func TestCreatePictureFailureLeavesNoUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		h := e.Auth.Middleware(maarch.Routes(maarch.Deps{Accounts: e.Accounts, Avatars: failingAvatars{},
			Signatures: e.Signatures, Logger: e.Config.Logger}))
		before := e.countUsers(t)
		body := `{"login":"pic","firstname":"P","lastname":"I","email":"pic@example.com","picture":"` + pngBase64(t, 2, 2, false) + `"}`
		rec := e.doc.Do(t, http.StripPrefix("/rest", h), apptest.Request("POST", "/rest/users", e.adminTok, body))
		expect(t, rec, http.StatusInternalServerError, errJSON("Internal error"))
		if n := e.countUsers(t); n != before {
			t.Fatalf("user count %d -> %d: a half-created user was left", before, n)
		}
	})
}

// TestPanicIsRecovered shows a panic answering the dialect's 500.
func TestPanicIsRecovered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		h := e.Auth.Middleware(maarch.Routes(maarch.Deps{Logger: e.Config.Logger})) // no Accounts: panics
		rec := e.doc.Do(t, http.StripPrefix("/rest", h), apptest.Request("GET", "/rest/users", e.adminTok, nil))
		expect(t, rec, http.StatusInternalServerError, errJSON("Internal error"))
	})
}
