package edufocus_test

import (
	"net/http"
	"testing"

	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

var allScopes = auth.AllScopes

// TestGetCurrentGolden asserts the legacy document's example: a token with
// scopes identity and email (not personal) for the verified "Developer".
// The example omits flags; the contract says flags always, so the expected
// keys are the example's plus flags.
func TestGetCurrentGolden(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		tok := e.appToken(t, e.dev, true, true, []string{"identity", "email"})
		rec := e.call(t, http.MethodGet, "/users/@current", tok, nil)
		want := `{"code":200,"status":"success","payload":{"id":"` + e.dev.PublicID +
			`","username":"Developer","email":"dev@edu-focus.org","avatar":null,"verified":true,"flags":0}}`
		expect(t, rec, http.StatusOK, want)
	})
}

func TestGetCurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		app, secret := e.Application(t, "alone", true, "users:read")
		cases := []struct {
			name   string
			req    *http.Request
			status int
			body   string
		}{
			{"get-200 first-party token shows every field", req(http.MethodGet, "/users/@current", e.dTok),
				200, success(userJSON(e.dev, allScopes...))},
			{"get-200 scope identity alone hides email and names",
				req(http.MethodGet, "/users/@current", e.appToken(t, e.dev, false, false, []string{"identity"})),
				200, success(userJSON(e.dev))},
			{"get-200 scope personal shows names",
				req(http.MethodGet, "/users/@current", e.appToken(t, e.dev, false, false, []string{"identity", "personal"})),
				200, success(userJSON(e.dev, "personal"))},
			{"get-200 administrator has flag 0x1", req(http.MethodGet, "/users/@current", e.adminTok),
				200, success(userJSON(e.admin, allScopes...))},
			{"get-403 missing_scope without identity",
				req(http.MethodGet, "/users/@current", e.appToken(t, e.dev, true, true, []string{"email"})),
				403, failure(403, "missing_scope")},
			{"get-403 forbidden for an application alone", basic(http.MethodGet, "/users/@current", app.ClientID, secret, nil),
				403, failure(403, "forbidden")},
			{"get-401 missing_authorization", req(http.MethodGet, "/users/@current", ""),
				401, failure(401, "missing_authorization")},
			{"get-401 invalid_token", req(http.MethodGet, "/users/@current", "uba_notatokenatallnotatokenatall"),
				401, failure(401, "invalid_token")},
			{"get-401 invalid_token for a wrong application secret", basic(http.MethodGet, "/users/@current", app.ClientID, "nope", nil),
				401, failure(401, "invalid_token")},
			{"get-400 invalid_authorization_header_type", header(http.MethodGet, "/users/@current", "Digest abc"),
				400, failure(400, "invalid_authorization_header_type")},
			{"get-400 invalid_authorization_header_value for a bad bearer", header(http.MethodGet, "/users/@current", "Bearer <>"),
				400, failure(400, "invalid_authorization_header_value")},
			{"get-400 invalid_authorization_header_value for bad basic", header(http.MethodGet, "/users/@current", "Basic !!!"),
				400, failure(400, "invalid_authorization_header_value")},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expect(t, e.do(t, c.req), c.status, c.body)
			})
		}
	})
}
