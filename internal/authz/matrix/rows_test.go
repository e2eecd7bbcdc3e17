package matrix_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/graph/gid"
)

type dialect string

const (
	edufocus    dialect = "Edu-Focus"
	eduplatform dialect = "education platform"
	usersv1     dialect = "users-v1"
	maarch      dialect = "Maarch"
	gql         dialect = "GraphQL"
	web         dialect = "web"
)

// row is one line of the matrix: a route or an operation, and how to ask it.
type row struct {
	section string
	name    string // as the document shows it
	covers  string // coverage key: "GET /users/{id}", "mutation createUser", "query users", "where …", "order …"
	group   string // filters and orders: rows of one group share a document line
	dialect dialect
	ok      int   // success status (REST)
	pick    []any // GraphQL: where the answer is in data
	writes  bool  // needs a world of its own
	target  bool  // names the victim: a not-found answer must equal a missing id's
	expect  func(col) outcome
	build   func(a *actor, v *person) *http.Request
	check   func(w *world, a *actor, body []byte) string // more checks on allowed cells
	nullAs  string                                       // GraphQL: what a null without error means ("ok", "NOT_FOUND")
	note    string
}

// status is the HTTP status the row's dialect answers for o.
func (r row) status(o outcome) int {
	switch o {
	case unauthenticated:
		return http.StatusUnauthorized
	case forbidden:
		return http.StatusForbidden
	case notFound:
		if r.dialect == maarch {
			return http.StatusBadRequest // "User does not exist"
		}
		return http.StatusNotFound
	}
	return r.ok
}

// spell is what the document shows for o on this row.
func (r row) spell(o outcome) string {
	if r.dialect == gql {
		return [...]string{"ok", "UNAUTH", "FORBIDDEN", "NOT_FOUND", "public"}[o]
	}
	if o == public {
		return fmt.Sprintf("%d", r.ok)
	}
	return fmt.Sprintf("%d", r.status(o))
}

func restRow(method, pattern string, d dialect, ok int, expect func(col) outcome, build func(a *actor, v *person) *http.Request) row {
	return row{section: "REST and web routes", name: method + " " + pattern, covers: method + " " + pattern,
		dialect: d, ok: ok, expect: expect, build: build}
}

func (r row) writing() row       { r.writes = true; return r }
func (r row) targeting() row     { r.target = true; return r }
func (r row) noted(n string) row { r.note = n; return r }

func bearerPath(method, path string, body any) func(a *actor, v *person) *http.Request {
	return func(a *actor, _ *person) *http.Request { return restRequest(method, path, a.header, body) }
}

// oauthRow is an OAuth endpoint or screen: it reads no API credential, so
// every column gets the same answer to an empty request.
func oauthRow(method, pattern string, status int, note string) row {
	return restRow(method, pattern, web, status, everyone(public), func(a *actor, _ *person) *http.Request {
		return restRequest(method, pattern, a.header, nil)
	}).noted(note)
}

func restRows() []row {
	pub := func(method, pattern, path string, ok int) row {
		return restRow(method, pattern, web, ok, everyone(public), func(a *actor, _ *person) *http.Request {
			return restRequest(http.MethodGet, path, a.header, nil)
		})
	}
	download := func(method string) row {
		return restRow(method, "/files/{signed}/{name}", web, 200, downloadLink, func(a *actor, _ *person) *http.Request {
			return restRequest(method, a.link, a.header, nil)
		}).noted("the signed link is the credential: every column uses a link of its victim's file, except revoked (a deleted file's link), expired (an expired link) and banned (a banned user's file)")
	}
	upload := func(path, part string) func(a *actor, _ *person) *http.Request {
		return func(a *actor, _ *person) *http.Request {
			return multipartRequest(path, a.header, nil, part, "upload.png", pngBytes)
		}
	}
	return []row{
		pub("GET", "/", "/", http.StatusFound),
		pub("GET", "/healthz", "/healthz", 200),
		pub("GET", "/readyz", "/readyz", 200),
		restRow("ANY", "/metrics", web, 200, readMetrics, bearerPath(http.MethodGet, "/metrics", nil)).
			noted("on the main address only without METRICS_ADDR: the figures name operations and show the load, an operator's business (policy.ReadMetrics); on METRICS_ADDR it is open"),
		pub("ANY", "/graphiql", "/graphiql", 200),
		pub("ANY", "/graphiql/*", "/graphiql/", 200),
		pub("GET", "/openapi/{name}.json", "/openapi/usersv1.json", 200),
		pub("GET", "/graphql/schema.graphql", "/graphql/schema.graphql", 200).
			noted("the schema as SDL, mounted only while introspection is on: the same text introspection gives anyone"),
		{section: "REST and web routes", name: "ANY /graphql", covers: "ANY /graphql", dialect: gql,
			note: "the GraphQL endpoint: every operation, filter and order field below"},
		download("GET"),
		download("HEAD"),

		pub("GET", "/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server", 200).
			noted("OAuth 2.0 metadata (RFC 8414)"),
		pub("GET", "/oauth/assets/{name}", "/oauth/assets/style.css", 200).noted("the screens' stylesheet"),
		oauthRow("GET", "/oauth/authorize", 401, "the sign-in and consent screens: the user signs in on them with a password (session cookie); API credentials change nothing, and a request naming no client is an error page (invalid_client)"),
		oauthRow("POST", "/oauth/authorize", 401, "the consent form (CSRF token, session cookie): as GET /oauth/authorize"),
		oauthRow("POST", "/oauth/login", 400, "the sign-in form: the password decides, under the login limits; without a return to an authorization request it is an error page"),
		oauthRow("POST", "/oauth/token", 400, "the OAuth client authenticates itself (client_secret_basic, client_secret_post, or client_id alone for a public client): a request without grant_type is invalid_request whoever sends it"),
		oauthRow("POST", "/oauth/revoke", 400, "RFC 7009, the client authenticates itself: without a token, invalid_request"),
		oauthRow("OPTIONS", "/oauth/token", 204, "the CORS preflight of the token endpoint: it reads no credential, whoever asks"),
		oauthRow("OPTIONS", "/oauth/revoke", 204, "the CORS preflight of the revocation endpoint, as OPTIONS /oauth/token"),
		oauthRow("GET", "/oauth/assets/favicon.svg", 200, "the screens' icon"),
		oauthRow("GET", "/account", 302, "the address people type: a redirect to /oauth/account, whoever asks"),
		oauthRow("GET", "/oauth/account", 303, "the account page reads only the screens' session cookie, never an API credential: without a session it sends to its sign-in screen"),
		oauthRow("GET", "/oauth/account/signin", 200, "the account page's sign-in screen: the password decides, an API credential changes nothing"),
		oauthRow("POST", "/oauth/account/signin", 403, "the account sign-in form: without its CSRF token it is refused whoever asks; an API credential signs nobody in"),
		oauthRow("POST", "/oauth/account/password", 403, "the account page's password form: session cookie and CSRF token only; an API credential changes no password"),
		oauthRow("POST", "/oauth/account/revoke", 403, "the account page's form revoking one of the signed-in person's credentials: session cookie and CSRF token only; an API credential revokes nothing"),
		oauthRow("POST", "/oauth/account/signout", 403, "the account page's sign-out form: session cookie and CSRF token only"),
		accountForm("/oauth/account/signin", 401, func(a *actor) url.Values {
			return url.Values{"email": {a.victim.secrets["email"]}, "password": {"wrong-password-1"}}
		}, "with the form's CSRF token, B's e-mail and a wrong password: the password decides, an API credential does not stand for it"),
		accountForm("/oauth/account/password", 303, func(*actor) url.Values {
			return url.Values{"current": {"wrong-password-1"}, "password": {"another-password-1"}, "confirm": {"another-password-1"}}
		}, "with the form's CSRF token and no session: sent to the sign-in screen, an API credential is not a session"),
		accountForm("/oauth/account/revoke", 303, func(*actor) url.Values {
			return url.Values{"client_id": {"matrix"}}
		}, "with the form's CSRF token and no session: sent to the sign-in screen, nothing revoked"),
		accountForm("/oauth/account/signout", 200, func(*actor) url.Values { return url.Values{} },
			"with the form's CSRF token: ends the screens' session cookie only, never the API credential sent beside it"),
		pub("GET", "/.well-known/openid-configuration", "/.well-known/openid-configuration", 200).
			noted("OpenID Connect discovery: public, from any origin"),
		oauthRow("OPTIONS", "/.well-known/openid-configuration", 204, "its CORS preflight"),
		pub("GET", "/oauth/jwks", "/oauth/jwks", 200).noted("the public keys that verify id_tokens: public, from any origin"),
		oauthRow("OPTIONS", "/oauth/jwks", 204, "its CORS preflight"),
		restRow("GET", "/oauth/userinfo", web, 200, userinfo, bearerPath("GET", "/oauth/userinfo", nil)).
			noted("OpenID Connect userinfo reads an access token of the OAuth code flow granted openid; no column holds one (API keys and tokens issued outside the flow are unknown to it: 401 invalid_token; no Bearer header: 401 invalid_request)"),
		restRow("POST", "/oauth/userinfo", web, 200, userinfo, bearerPath("POST", "/oauth/userinfo", nil)).
			noted("as GET /oauth/userinfo"),
		oauthRow("OPTIONS", "/oauth/userinfo", 204, "its CORS preflight"),
		oauthRow("GET", "/oauth/logout", 200, "RP-initiated logout ends the screens' session (cookie); an API credential is neither read nor ended"),
		oauthRow("POST", "/oauth/logout", 200, "as GET /oauth/logout"),
		restRow("POST", "/oauth/introspect", web, 400, func(c col) outcome {
			if c.cred == credAppAlone {
				return allowed
			}
			return unauthenticated
		}, func(a *actor, _ *person) *http.Request {
			return restRequest("POST", "/oauth/introspect", a.header, nil)
		}).noted("RFC 7662, confidential clients in HTTP Basic only (no other credential is accepted); the client authenticated, an empty request is invalid_request"),

		restRow("GET", "/users/@current", edufocus, 200, readSelf("identity"), bearerPath("GET", "/users/@current", nil)),
		restRow("PATCH", "/users/@current", edufocus, 200, modifySelf, bearerPath("PATCH", "/users/@current", map[string]any{"first_name": "Changed"})).writing(),
		restRow("DELETE", "/users/@current", edufocus, 200, deleteSelf, bearerPath("DELETE", "/users/@current", nil)).writing(),
		restRow("GET", "/users/{id}", edufocus, 200, lookUpOther, func(a *actor, v *person) *http.Request {
			return restRequest("GET", "/users/"+v.u.PublicID, a.header, nil)
		}).targeting(),
		restRow("POST", "/users/{id}/ban", edufocus, 200, ban, func(a *actor, v *person) *http.Request {
			return restRequest("POST", "/users/"+v.u.PublicID+"/ban", a.header, nil)
		}).targeting().writing(),
		restRow("DELETE", "/users/{id}/ban", edufocus, 200, ban, func(a *actor, v *person) *http.Request {
			return restRequest("DELETE", "/users/"+v.u.PublicID+"/ban", a.header, nil)
		}).targeting().writing(),
		restRow("POST", "/files/", edufocus, 200, readSelf("identity"), upload("/files", "file")).writing(),

		restRow("POST", "/api/v1/users/oauth", eduplatform, 200, readSelf("identity", "email", "personal"),
			bearerPath("POST", "/api/v1/users/oauth", nil)),
		restRow("GET", "/api/v1/users/user_files", eduplatform, 200, readSelf("identity", "files", "email", "personal"),
			bearerPath("GET", "/api/v1/users/user_files", nil)),
		restRow("POST", "/api/v1/users/user_files/upload", eduplatform, 200, readSelf("identity", "files", "email", "personal"),
			upload("/api/v1/users/user_files/upload", "file")).writing(),
		restRow("POST", "/api/v1/users/secured_attachments/{id}", eduplatform, 200, attachmentOfOther, func(a *actor, v *person) *http.Request {
			return restRequest("POST", fmt.Sprintf("/api/v1/users/secured_attachments/%d", v.fileID), a.header, nil)
		}).targeting(),
		restRow("GET", "/api/v1/users/secured_attachments/{id}", eduplatform, 200, attachmentOfOther, func(a *actor, v *person) *http.Request {
			return restRequest("GET", fmt.Sprintf("/api/v1/users/secured_attachments/%d", v.fileID), a.header, nil)
		}).targeting(),

		restRow("POST", "/v1/users", usersv1, 201, createUser(false), func(a *actor, _ *person) *http.Request {
			return restRequest("POST", "/v1/users", a.header, map[string]any{"email": a.newEmail(), "name": "New Person", "password": "password123"})
		}).writing(),
		restRow("GET", "/v1/users/{id}", usersv1, 200, readOther("email", "personal"), func(a *actor, v *person) *http.Request {
			return restRequest("GET", "/v1/users/usr_"+v.u.PublicID, a.header, nil)
		}).targeting(),
		restRow("PUT", "/v1/users/{id}", usersv1, 200, writeOther("email", "personal"), func(a *actor, v *person) *http.Request {
			return restRequest("PUT", "/v1/users/usr_"+v.u.PublicID, a.header, map[string]any{"name": "Renamed Person"})
		}).targeting().writing(),
		restRow("DELETE", "/v1/users/{id}", usersv1, 204, writeOther(), func(a *actor, v *person) *http.Request {
			return restRequest("DELETE", "/v1/users/usr_"+v.u.PublicID, a.header, nil)
		}).targeting().writing(),

		restRow("POST", "/rest/users", maarch, 200, createUser(false), func(a *actor, _ *person) *http.Request {
			e := a.newEmail()
			return restRequest("POST", "/rest/users", a.header, map[string]any{"login": strings.Split(e, "@")[0],
				"email": e, "firstname": "New", "lastname": "Person"})
		}).writing(),
		restRow("GET", "/rest/users", maarch, 200, listUsers("email", "personal"), bearerPath("GET", "/rest/users", nil)),
		restRow("PUT", "/rest/users/{id}/externalSignatures", maarch, 204, setOthersSignatures, func(a *actor, v *person) *http.Request {
			return restRequest("PUT", fmt.Sprintf("/rest/users/%d/externalSignatures", v.u.ID), a.header, map[string]any{
				"externalApplication": "matrix", "signatures": []any{map[string]any{"format": "png", "encodedSignature": pngBase64}}})
		}).targeting().writing(),
	}
}

func (a *actor) newEmail() string {
	a.newEmails++
	return fmt.Sprintf("new%d%s@example.com", a.newEmails, a.suffix)
}

// gqlRow is a GraphQL operation; query may use %[1]s for the victim's
// global id, %[2]s for its file's, %[3]s for its signature's, %[4]s for its
// credential's, %[5]s for the viewer's own user id, %[6]s for the viewer's
// spare credential, %[7]s for a fresh e-mail address, %[8]s for the
// victim's e-mail.
func gqlRow(kind, field, variant string, expect func(col) outcome, query string) row {
	name := kind + " " + field
	if variant != "" {
		name += " (" + variant + ")"
	}
	upload := strings.Contains(query, "$file")
	return row{section: "GraphQL operations", name: name, covers: kind + " " + field, dialect: gql, ok: 200,
		pick: []any{field}, expect: expect, writes: kind == "mutation",
		target: strings.Contains(query, "%[1]s") || strings.Contains(query, "%[2]s") || strings.Contains(query, "%[3]s") || strings.Contains(query, "%[4]s"),
		build: func(a *actor, v *person) *http.Request {
			self, spare := "", a.spareGID
			if a.self != nil {
				self = a.self.gid
			} else {
				self = gid.Encode(2_000_000_009)
			}
			if spare == "" {
				spare = gid.Encode(2_000_000_010)
			}
			q := query
			if strings.Contains(q, "%[") {
				q = fmt.Sprintf(query, v.gid, v.fileGID, v.sigGID, v.credGID, self, spare, a.newEmail(), v.secrets["email"])
			}
			if upload {
				return gqlUpload(a.header, q)
			}
			return gqlRequest(a.header, q)
		}}
}

func (r row) picking(p ...any) row      { r.pick = p; return r }
func (r row) nullMeans(code string) row { r.nullAs = code; return r }
func (r row) checking(f func(w *world, a *actor, body []byte) string) row {
	r.check = f
	return r
}

func gqlRows(s *ast.Schema) []row {
	admin := enumValue(s, "UserRole", "admin")
	sig := `signatures: [{format: "png", encodedSignature: "` + pngBase64 + `"}]`
	return []row{
		gqlRow("query", "viewer", "", viewerQuery, `{ viewer { id username email login firstName lastName } }`).nullMeans("ok"),
		gqlRow("query", "user", "", readOther(), `{ user(id: "%[1]s") { id username email login firstName lastName } }`),
		gqlRow("query", "node", "a user", readOther(), `{ node(id: "%[1]s") { id ... on User { username email login firstName lastName } } }`),
		gqlRow("query", "node", "a file", readOwnedOther("files"), `{ node(id: "%[2]s") { id ... on File { name sha256 } } }`),
		gqlRow("query", "node", "a signature", readOwnedOther("signatures"), `{ node(id: "%[3]s") { id ... on Signature { externalApplication format } } }`),
		gqlRow("query", "node", "a credential", nodeOfCredential, `{ node(id: "%[4]s") { id ... on Credential { kind } } }`),
		gqlRow("query", "nodes", "a user", readOther(), `{ nodes(ids: ["%[1]s"]) { id ... on User { username email login } } }`).picking("nodes", 0).nullMeans("NOT_FOUND"),
		gqlRow("query", "users", "", listUsers(), `{ users(first: 3) { totalCount edges { node { id } } } }`),
		gqlRow("query", "rateLimit", "", readBudget, `{ rateLimit { remaining } }`),

		gqlRow("mutation", "createUser", "a user", createUser(false), `mutation { createUser(input: {email: "%[7]s"}) { id } }`),
		gqlRow("mutation", "createUser", "an administrator", createUser(true), `mutation { createUser(input: {email: "%[7]s", role: `+admin+`}) { id } }`),
		gqlRow("mutation", "updateUser", "names", writeOther(), `mutation { updateUser(id: "%[1]s", input: {firstName: "Changed"}) { id } }`),
		gqlRow("mutation", "updateUser", "password", writeOther(), `mutation { updateUser(id: "%[1]s", input: {password: "another-password-1"}) { id } }`),
		gqlRow("mutation", "updateUser", "role admin", privilegedWrite, `mutation { updateUser(id: "%[1]s", input: {role: `+admin+`}) { id } }`),
		gqlRow("mutation", "deleteUser", "", writeOther(), `mutation { deleteUser(id: "%[1]s") }`),
		gqlRow("mutation", "updateViewer", "names", modifySelf, `mutation { updateViewer(input: {firstName: "Changed"}) { id } }`),
		gqlRow("mutation", "updateViewer", "e-mail", changeEmail, `mutation { updateViewer(input: {email: "%[7]s"}) { id } }`),
		gqlRow("mutation", "deleteViewer", "", deleteSelf, `mutation { deleteViewer }`),
		gqlRow("mutation", "banUser", "", ban, `mutation { banUser(id: "%[1]s") { id } }`),
		gqlRow("mutation", "unbanUser", "", ban, `mutation { unbanUser(id: "%[1]s") { id } }`),
		gqlRow("mutation", "login", "B's e-mail, wrong password", everyone(unauthenticated),
			`mutation { login(email: "%[8]s", password: "wrong-password-1") { token } }`).noted("login answers the same for a wrong password whoever asks"),
		gqlRow("mutation", "createApiKey", "no scope list", ownCredentials, `mutation { createApiKey { token credential { scopes } } }`).
			checking(mintedWithin),
		gqlRow("mutation", "createApiKey", "every scope", mintEveryScope,
			`mutation { createApiKey(scopes: ["identity", "email", "personal", "modify", "files", "signatures"]) { token } }`),
		gqlRow("mutation", "revokeCredential", "B's", revokeOther, `mutation { revokeCredential(id: "%[4]s") { id } }`),
		gqlRow("mutation", "revokeCredential", "own", ownCredentials, `mutation { revokeCredential(id: "%[6]s") { id } }`),
		gqlRow("query", "applications", "", readApplications, `{ applications { clientId } }`),
		gqlRow("query", "auditEvents", "", readAuditEvents, `{ auditEvents(first: 3) { edges { node { kind } } } }`),
		gqlRow("query", "authorizedApplications", "", ownCredentials, `{ authorizedApplications { scopes } }`),
		gqlRow("mutation", "createApplication", "", manageApplications,
			`mutation { createApplication(input: {name: "Matrix", redirectUris: ["https://app.example/cb"], scopes: ["identity"]}) { clientSecret } }`),
		gqlRow("mutation", "updateApplication", "an unknown client id", unknownFor(manageApplications),
			`mutation { updateApplication(clientId: "00000000000000000000000000000000", input: {name: "Renamed"}) { name } }`),
		gqlRow("mutation", "deleteApplication", "an unknown client id", unknownFor(manageApplications),
			`mutation { deleteApplication(clientId: "00000000000000000000000000000000") }`),
		gqlRow("mutation", "revokeApplication", "one never authorized", unknownFor(ownCredentials),
			`mutation { revokeApplication(clientId: "00000000000000000000000000000000") }`),
		gqlRow("mutation", "uploadUserFile", "", readSelf("files"), `mutation($file: Upload!) { uploadUserFile(file: $file) { id } }`),
		gqlRow("mutation", "deleteUserFile", "B's", deleteFileOther, `mutation { deleteUserFile(id: "%[2]s") }`),
		gqlRow("mutation", "uploadTemporaryFile", "", readSelf("identity"), `mutation($file: Upload!) { uploadTemporaryFile(file: $file) { id } }`),
		gqlRow("mutation", "setAvatar", "inline image", modifySelf, `mutation { setAvatar(image: "`+pngBase64+`") { id } }`),
		gqlRow("mutation", "setExternalSignatures", "B's", setOthersSignatures, `mutation { setExternalSignatures(userId: "%[1]s", application: "matrix", `+sig+`) { id } }`),
		gqlRow("mutation", "setExternalSignatures", "own", readSelf("signatures"), `mutation { setExternalSignatures(userId: "%[5]s", application: "matrix", `+sig+`) { id } }`),
	}
}

// accountForm posts a form of the account page the way its own screen
// does, CSRF cookie and token included but no session cookie, with the
// column's Authorization header: every column gets the same answer.
func accountForm(path string, status int, form func(a *actor) url.Values, note string) row {
	r := oauthRow(http.MethodPost, path, status, note)
	r.name += " (CSRF token, no session)"
	r.build = func(a *actor, _ *person) *http.Request {
		cookie, token := csrfPair(a)
		f := form(a)
		f.Set("csrf", token)
		// "@" left as it is: the request then shows the e-mail the screen
		// echoes back, which is no leak.
		req := restRequest(http.MethodPost, path, a.header, strings.NewReader(strings.ReplaceAll(f.Encode(), "%40", "@")))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		return req
	}
	return r
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfPair is a CSRF cookie and its form token, as the sign-in screen
// hands them out.
func csrfPair(a *actor) (*http.Cookie, string) {
	rec := a.env.Do(restRequest(http.MethodGet, "/oauth/account/signin", "", nil))
	var cookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "ub_oauth_csrf" {
			cookie = &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	m := csrfField.FindStringSubmatch(rec.Body.String())
	if cookie == nil || m == nil {
		return &http.Cookie{Name: "ub_oauth_csrf", Value: "none"}, "none" // the cell fails with 403
	}
	return cookie, html.UnescapeString(m[1])
}

// userinfo: OpenID Connect's userinfo answers only an access token issued
// by the OAuth code flow with the openid scope; no column holds one, so
// every column is refused as unauthenticated (the allowed case is tested in
// internal/oauth).
func userinfo(col) outcome { return unauthenticated }

// readApplications: seeing OAuth clients is for administrators,
// through a first-party credential.
// readBudget: every caller may read its own cost budget, an anonymous one
// its address's; a refused credential is refused before.
func readBudget(c col) outcome {
	if c.cred == credDead {
		return unauthenticated
	}
	return allowed
}

func readApplications(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.firstParty() || c.user != administrator {
		return forbidden
	}
	return allowed
}

// readAuditEvents: an administrator through a first-party credential
// that carries every scope (a narrowed key reads no trail).
func readAuditEvents(c col) outcome {
	if o := readApplications(c); o != allowed {
		return o
	}
	if !c.hasAll(allScopes...) {
		return forbidden
	}
	return allowed
}

// manageApplications: reading them, and scope modify like every write (a
// narrowed key adding a redirect URI would divert consented users' codes).
func manageApplications(c col) outcome {
	if o := readApplications(c); o != allowed {
		return o
	}
	if !c.has("modify") {
		return forbidden
	}
	return allowed
}

// unknownFor: whoever may act gets NOT_FOUND for an object that does not
// exist; the others what rule says.
func unknownFor(rule func(col) outcome) func(col) outcome {
	return func(c col) outcome {
		if o := rule(c); o != allowed {
			return o
		}
		return notFound
	}
}

// mintedWithin: an API key carries at most its minting credential's scopes.
func mintedWithin(_ *world, a *actor, body []byte) string {
	var out struct {
		Data struct {
			CreateAPIKey struct {
				Credential struct{ Scopes []string }
			}
		}
	}
	if err := jsonUnmarshal(body, &out); err != nil {
		return "answer is not JSON"
	}
	for _, s := range out.Data.CreateAPIKey.Credential.Scopes {
		if !a.col.has(s) {
			return fmt.Sprintf("minted a key with scopes %v from a credential with %v", out.Data.CreateAPIKey.Credential.Scopes, a.col.scopes)
		}
	}
	return ""
}

// enumValue finds an enum value of the schema ignoring case, so the table
// survives a change of casing.
func enumValue(s *ast.Schema, enum, value string) string {
	if d := s.Types[enum]; d != nil {
		for _, v := range d.EnumValues {
			if strings.EqualFold(v.Name, value) {
				return v.Name
			}
		}
	}
	return value
}

// filterGroup lists, explicitly, the predicates of one field of a where
// input: a predicate the schema adds is missing from the table until
// someone decides its rule here.
type filterGroup struct {
	name   string
	guard  guard
	fields string
}

var userWhere = []filterGroup{
	{"not", guardEmail, "not"},
	{"and", guardEmail, "and"},
	{"or", guardEmail, "or"},
	{"id", guardNone, "id idNEQ idIn idNotIn idGT idGTE idLT idLTE"},
	{"createdAt", guardNone, "createdAt createdAtNEQ createdAtIn createdAtNotIn createdAtGT createdAtGTE createdAtLT createdAtLTE"},
	{"updatedAt", guardNone, "updatedAt updatedAtNEQ updatedAtIn updatedAtNotIn updatedAtGT updatedAtGTE updatedAtLT updatedAtLTE"},
	{"publicID", guardNone, "publicID publicIDNEQ publicIDIn publicIDNotIn publicIDGT publicIDGTE publicIDLT publicIDLTE publicIDContains publicIDHasPrefix publicIDHasSuffix publicIDEqualFold publicIDContainsFold"},
	{"email", guardEmail, "email emailNEQ emailIn emailNotIn emailGT emailGTE emailLT emailLTE emailContains emailHasPrefix emailHasSuffix emailEqualFold emailContainsFold"},
	{"username", guardNone, "username usernameNEQ usernameIn usernameNotIn usernameGT usernameGTE usernameLT usernameLTE usernameContains usernameHasPrefix usernameHasSuffix usernameEqualFold usernameContainsFold"},
	{"login", guardEmail, "login loginNEQ loginIn loginNotIn loginGT loginGTE loginLT loginLTE loginContains loginHasPrefix loginHasSuffix loginEqualFold loginContainsFold"},
	{"firstName", guardPersonal, "firstName firstNameNEQ firstNameIn firstNameNotIn firstNameGT firstNameGTE firstNameLT firstNameLTE firstNameContains firstNameHasPrefix firstNameHasSuffix firstNameEqualFold firstNameContainsFold"},
	{"lastName", guardPersonal, "lastName lastNameNEQ lastNameIn lastNameNotIn lastNameGT lastNameGTE lastNameLT lastNameLTE lastNameContains lastNameHasPrefix lastNameHasSuffix lastNameEqualFold lastNameContainsFold"},
	{"role", guardNone, "role roleNEQ roleIn roleNotIn"},
	{"flags", guardNone, "flags flagsNEQ flagsIn flagsNotIn flagsGT flagsGTE flagsLT flagsLTE"},
	{"hasFlags", guardNone, "hasFlags"},
	{"status", guardNone, "status statusNEQ statusIn statusNotIn"},
	{"verified", guardNone, "verified verifiedNEQ"},
	{"mode", guardNone, "mode modeNEQ modeIn modeNotIn"},
	{"hasFiles", guardFiles, "hasFiles"},
	{"hasFilesWith", guardFiles, "hasFilesWith"},
	{"hasAvatar", guardNone, "hasAvatar"},
	{"hasAvatarWith", guardNone, "hasAvatarWith"},
	{"hasSignatures", guardSignatures, "hasSignatures"},
	{"hasSignaturesWith", guardSignatures, "hasSignaturesWith"},
}

// fileWhere and signatureWhere are the nested inputs of the edge filters;
// every predicate in them is a condition on another user's file or
// signature, and hasOwnerWith also on its owner's e-mail.
var fileWhere = []filterGroup{
	{"not", guardFiles, "not"},
	{"and", guardFiles, "and"},
	{"or", guardFiles, "or"},
	{"id", guardFiles, "id idNEQ idIn idNotIn idGT idGTE idLT idLTE"},
	{"createdAt", guardFiles, "createdAt createdAtNEQ createdAtIn createdAtNotIn createdAtGT createdAtGTE createdAtLT createdAtLTE"},
	{"kind", guardFiles, "kind kindNEQ kindIn kindNotIn"},
	{"nature", guardFiles, "nature natureNEQ natureIn natureNotIn"},
	{"name", guardFiles, "name nameNEQ nameIn nameNotIn nameGT nameGTE nameLT nameLTE nameContains nameHasPrefix nameHasSuffix nameEqualFold nameContainsFold"},
	{"contentType", guardFiles, "contentType contentTypeNEQ contentTypeIn contentTypeNotIn contentTypeGT contentTypeGTE contentTypeLT contentTypeLTE contentTypeContains contentTypeHasPrefix contentTypeHasSuffix contentTypeEqualFold contentTypeContainsFold"},
	{"fileType", guardFiles, "fileType fileTypeNEQ fileTypeIn fileTypeNotIn fileTypeGT fileTypeGTE fileTypeLT fileTypeLTE fileTypeContains fileTypeHasPrefix fileTypeHasSuffix fileTypeEqualFold fileTypeContainsFold"},
	{"size", guardFiles, "size sizeNEQ sizeIn sizeNotIn sizeGT sizeGTE sizeLT sizeLTE"},
	{"sha256", guardFiles, "sha256 sha256NEQ sha256In sha256NotIn sha256GT sha256GTE sha256LT sha256LTE sha256Contains sha256HasPrefix sha256HasSuffix sha256EqualFold sha256ContainsFold"},
	{"scenarioID", guardFiles, "scenarioID scenarioIDNEQ scenarioIDIn scenarioIDNotIn scenarioIDGT scenarioIDGTE scenarioIDLT scenarioIDLTE scenarioIDContains scenarioIDHasPrefix scenarioIDHasSuffix scenarioIDIsNil scenarioIDNotNil scenarioIDEqualFold scenarioIDContainsFold"},
	{"expiresAt", guardFiles, "expiresAt expiresAtNEQ expiresAtIn expiresAtNotIn expiresAtGT expiresAtGTE expiresAtLT expiresAtLTE expiresAtIsNil expiresAtNotNil"},
	{"hasOwner", guardFiles, "hasOwner"},
	{"hasOwnerWith", guardFilesEmail, "hasOwnerWith"},
}

var signatureWhere = []filterGroup{
	{"not", guardSignatures, "not"},
	{"and", guardSignatures, "and"},
	{"or", guardSignatures, "or"},
	{"id", guardSignatures, "id idNEQ idIn idNotIn idGT idGTE idLT idLTE"},
	{"createdAt", guardSignatures, "createdAt createdAtNEQ createdAtIn createdAtNotIn createdAtGT createdAtGTE createdAtLT createdAtLTE"},
	{"externalApplication", guardSignatures, "externalApplication externalApplicationNEQ externalApplicationIn externalApplicationNotIn externalApplicationGT externalApplicationGTE externalApplicationLT externalApplicationLTE externalApplicationContains externalApplicationHasPrefix externalApplicationHasSuffix externalApplicationIsNil externalApplicationNotNil externalApplicationEqualFold externalApplicationContainsFold"},
	{"format", guardSignatures, "format formatNEQ formatIn formatNotIn formatGT formatGTE formatLT formatLTE formatContains formatHasPrefix formatHasSuffix formatEqualFold formatContainsFold"},
	{"hasOwner", guardSignatures, "hasOwner"},
	{"hasOwnerWith", guardSignaturesEmail, "hasOwnerWith"},
}

// avatarWhere is fileWhere under hasAvatarWith: a condition on the avatar
// needs what reading User.avatar needs (whoever may read the user; both
// ask policy.ReadAvatar), and hasOwnerWith what its e-mail condition needs.
var avatarWhere = func() []filterGroup {
	out := make([]filterGroup, len(fileWhere))
	for i, g := range fileWhere {
		g.guard = guardNone
		if g.name == "hasOwnerWith" {
			g.guard = guardEmail
		}
		out[i] = g
	}
	return out
}()

// nestedEdges are the UserWhereInput fields whose nested input the table
// lists field by field.
var nestedEdges = map[string][]filterGroup{
	"hasFilesWith":      fileWhere,
	"hasAvatarWith":     avatarWhere,
	"hasSignaturesWith": signatureWhere,
}

// filterRows: a nested predicate needs its own guard; on the avatar, what
// reading User.avatar needs (avatarWhere).
func filterRows(s *ast.Schema) []row {
	var rows []row
	add := func(path []string, g filterGroup, field string) {
		where := literalWhere(s, path, field)
		key := strings.Join(append(slices.Clone(path), field), ".")
		group := strings.Join(append(slices.Clone(path), g.name), ".")
		rows = append(rows, row{section: "GraphQL users(where:)", name: "where " + group, covers: "where " + key,
			group: group, dialect: gql, ok: 200, pick: []any{"users"}, expect: filtered(g.guard),
			build: func(a *actor, _ *person) *http.Request {
				return gqlRequest(a.header, `{ users(first: 3, where: `+where+`) { totalCount edges { node { id } } } }`)
			}})
	}
	for _, g := range userWhere {
		for _, f := range strings.Fields(g.fields) {
			add(nil, g, f)
		}
	}
	for _, edge := range []string{"hasFilesWith", "hasAvatarWith", "hasSignaturesWith"} {
		for _, g := range nestedEdges[edge] {
			for _, f := range strings.Fields(g.fields) {
				add([]string{edge}, g, f)
			}
		}
	}
	return rows
}

// orderRows: ordering by a guarded field needs its scope; no cursor
// carries a field value in clear.
var orderGuards = map[string]guard{"CREATED_AT": guardNone, "UPDATED_AT": guardNone, "EMAIL": guardEmail,
	"FIRST_NAME": guardPersonal, "LAST_NAME": guardPersonal}

func orderRows() []row {
	var rows []row
	for _, v := range slices.Sorted(mapsKeys(orderGuards)) {
		rows = append(rows, row{section: "GraphQL users(orderBy:)", name: "orderBy " + v, covers: "order " + v, group: v,
			dialect: gql, ok: 200, pick: []any{"users"}, expect: filtered(orderGuards[v]), check: cursorsOpaque,
			build: func(a *actor, _ *person) *http.Request {
				return gqlRequest(a.header, `{ users(first: 50, orderBy: {field: `+v+`, direction: ASC}) { totalCount edges { cursor node { id } } } }`)
			}})
	}
	return rows
}

// literalWhere writes a where argument setting field (under the nested
// edges of path) to a value of its schema type.
func literalWhere(s *ast.Schema, path []string, field string) string {
	input := "UserWhereInput"
	var wrap []*ast.Type
	for _, p := range path {
		d := s.Types[input]
		if d == nil || d.Fields.ForName(p) == nil {
			return "{}"
		}
		t := d.Fields.ForName(p).Type
		wrap = append(wrap, t)
		input = t.Name()
	}
	d := s.Types[input]
	if d == nil || d.Fields.ForName(field) == nil {
		return "{}" // not in the schema: the coverage test says so
	}
	v := "{" + field + ": " + literal(s, d.Fields.ForName(field).Type) + "}"
	for i := len(wrap) - 1; i >= 0; i-- {
		if wrap[i].Elem != nil {
			v = "[" + v + "]"
		}
		v = "{" + path[i] + ": " + v + "}"
	}
	return v
}

// literal is a value of type t: nested where inputs hold a condition on a
// guarded field, so a guard that does not look inside them shows.
func literal(s *ast.Schema, t *ast.Type) string {
	if t.Elem != nil {
		return "[" + literal(s, t.Elem) + "]"
	}
	switch t.NamedType {
	case "String":
		return `"q"`
	case "Int":
		return "1"
	case "Boolean":
		return "true"
	case "ID":
		return `"` + gid.Encode(1) + `"`
	case "Time":
		return `"2020-01-01T00:00:00Z"`
	case "UserWhereInput":
		return `{emailHasPrefix: "q"}`
	case "FileWhereInput":
		return `{nameHasPrefix: "q"}`
	case "SignatureWhereInput":
		return `{externalApplicationHasPrefix: "q"}`
	}
	if d := s.Types[t.NamedType]; d != nil && d.Kind == ast.Enum && len(d.EnumValues) > 0 {
		return d.EnumValues[0].Name
	}
	return `"q"`
}

// table is the whole matrix.
func table(s *ast.Schema) []row {
	var rows []row
	rows = append(rows, restRows()...)
	rows = append(rows, gqlRows(s)...)
	rows = append(rows, fieldRows()...)
	rows = append(rows, filterRows(s)...)
	rows = append(rows, orderRows()...)
	return rows
}

// userField is the rule and the selection of one field of User, read on
// another user through user(id:): hidden fields are null with FORBIDDEN.
type userField struct {
	name      string
	selection string // sub-selection of an object field
	needs     func(c col) bool
}

func scopes(s ...string) func(c col) bool { return func(c col) bool { return c.hasAll(s...) } }

func managedWith(scope string) func(c col) bool {
	return func(c col) bool { return c.looksAfterB() && c.has(scope) }
}

var userFields = []userField{
	{name: "id"}, {name: "createdAt"}, {name: "updatedAt"}, {name: "publicID"}, {name: "username"},
	{name: "role"}, {name: "flags"}, {name: "privileges"}, {name: "status"}, {name: "verified"}, {name: "mode"},
	{name: "email", needs: scopes("email")},
	{name: "login", needs: scopes("email")},
	{name: "firstName", needs: scopes("personal")},
	{name: "lastName", needs: scopes("personal")},
	{name: "name", needs: scopes("personal")},
	{name: "avatar", selection: "{ id }"},
	{name: "files", selection: "(first: 5) { totalCount edges { node { id name sha256 } } }", needs: managedWith("files")},
	{name: "signatures", selection: "{ id externalApplication }", needs: managedWith("signatures")},
	{name: "legacyIds", selection: "{ eduplatform edufocus usersv1 maarch }", needs: byAdministrator},
}

// byAdministrator: the viewer's user is an administrator
// (policy.ReadLegacyIDs; readOther has already required users:read of an
// application's token).
func byAdministrator(c col) bool { return c.user == administrator }

func fieldRows() []row {
	var rows []row
	for _, f := range userFields {
		needs := f.needs
		rows = append(rows, row{section: "GraphQL fields of another user", name: "User." + f.name, covers: "field User." + f.name,
			dialect: gql, ok: 200, pick: []any{"user", f.name}, target: true, nullAs: "ok",
			expect: func(c col) outcome {
				if o := readOther()(c); o != allowed {
					return o
				}
				if needs != nil && !needs(c) {
					return forbidden
				}
				return allowed
			},
			build: func(a *actor, v *person) *http.Request {
				return gqlRequest(a.header, `{ user(id: "`+v.gid+`") { `+f.name+` `+f.selection+` } }`)
			}})
	}
	return rows
}
