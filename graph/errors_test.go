package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/graph"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// readmeCodes are the extensions.code values docs/graphql.md lists; every
// GraphQL error carries one.
var readmeCodes = map[string]bool{
	"UNAUTHENTICATED": true, "FORBIDDEN": true, "NOT_FOUND": true, "BAD_USER_INPUT": true,
	"CONFLICT": true, "RATE_LIMITED": true, "PAYLOAD_TOO_LARGE": true, "INTERNAL": true, "UNAVAILABLE": true,
	"DEPTH_LIMIT_EXCEEDED": true, "ALIAS_LIMIT_EXCEEDED": true, "DIRECTIVE_LIMIT_EXCEEDED": true,
	"COMPLEXITY_LIMIT_EXCEEDED": true, "SELECTION_LIMIT_EXCEEDED": true, "GRAPHQL_PARSE_FAILED": true, "GRAPHQL_VALIDATION_FAILED": true,
}

// errorBody is a GraphQL response with errors, as sent.
type errorBody struct {
	raw    map[string]json.RawMessage
	errors []apptest.GraphQLError
}

// decodeErrors reads a response that must hold errors, each with a code
// from the README.
func decodeErrors(t *testing.T, status int, body []byte) errorBody {
	t.Helper()
	var out errorBody
	if err := json.Unmarshal(body, &out.raw); err != nil {
		t.Fatalf("%d: response is not a JSON object: %q", status, body)
	}
	if err := json.Unmarshal(out.raw["errors"], &out.errors); err != nil || len(out.errors) == 0 {
		t.Fatalf("%d: no errors in %s", status, body)
	}
	for _, e := range out.errors {
		if !readmeCodes[e.Code()] {
			t.Fatalf("%d: error %q has code %q, not one of the README's", status, e.Message, e.Code())
		}
	}
	return out
}

func (b errorBody) hasData() bool { _, ok := b.raw["data"]; return ok }

// TestRequestErrors refuses, through the real router, every request that
// is not a GraphQL request or cannot run, with a coded error in GraphQL's
// shape, the status GraphQL-over-HTTP asks for, no data entry (nothing
// ran), and no echo of the request.
func TestRequestErrors(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	tok := env.Token(t, env.Admin(t, "root@example.com"))
	const (
		plain   = "application/json"
		gqlJSON = "application/graphql-response+json"
	)
	huge := `{"query": "` + strings.Repeat("not json at all ", 20000)
	cases := []struct {
		name, method, contentType, accept, body, query string
		status                                         int
		code, reason                                   string
		allow                                          string
	}{
		// POST: the body is not a GraphQL request (400 whatever Accept says).
		{name: "POST/body not JSON", body: `{ "not a JSON`, status: 400, code: "BAD_USER_INPUT", reason: "invalid_json"},
		{name: "POST/body not JSON, graphql-response", accept: gqlJSON, body: `{ "not a JSON`, status: 400, code: "BAD_USER_INPUT", reason: "invalid_json"},
		{name: "POST/invalid character", body: `{"query": x}`, status: 400, code: "BAD_USER_INPUT", reason: "invalid_json"},
		{name: "POST/huge body not JSON is not echoed", body: huge, status: 400, code: "BAD_USER_INPUT", reason: "invalid_json"},
		{name: "POST/empty body", body: ``, status: 400, code: "BAD_USER_INPUT", reason: "missing_body"},
		{name: "POST/no query", body: `{"qeury":"{ __typename }"}`, status: 400, code: "BAD_USER_INPUT", reason: "missing_query"},
		{name: "POST/null body", body: `null`, status: 400, code: "BAD_USER_INPUT", reason: "missing_query"},
		{name: "POST/query is a number", body: `{"query":0}`, status: 400, code: "BAD_USER_INPUT", reason: "invalid_query"},
		{name: "POST/query is an object", body: `{"query":{"obj":"x"}}`, status: 400, code: "BAD_USER_INPUT", reason: "invalid_query"},
		{name: "POST/query is a list", body: `{"query":["array"]}`, status: 400, code: "BAD_USER_INPUT", reason: "invalid_query"},
		{name: "POST/variables is a string", body: `{"query":"{ __typename }","variables":"{}"}`, status: 400, code: "BAD_USER_INPUT", reason: "invalid_variables"},
		{name: "POST/body is a list", body: `[{"query":"{ __typename }"}]`, status: 400, code: "BAD_USER_INPUT", reason: "invalid_json"},
		{name: "POST/JSON nested 100,000 deep", body: `{"query":"{ __typename }","variables":{"v":` + strings.Repeat("[", 100000), status: 400, code: "BAD_USER_INPUT", reason: "input_too_deep"},
		{name: "POST/NUL in the body", body: "{\"query\":\"{ __typename }\"\x00}", status: 400, code: "BAD_USER_INPUT", reason: "invalid_json"},
		{name: "POST/trailing data", body: `{"query":"{ __typename }"} {}`, status: 400, code: "BAD_USER_INPUT", reason: "invalid_json"},
		// POST: the document fails (200 under application/json, 400 under
		// application/graphql-response+json).
		{name: "POST/parse failure", accept: plain, body: `{"query":"{"}`, status: 200, code: "GRAPHQL_PARSE_FAILED"},
		{name: "POST/parse failure, graphql-response", accept: gqlJSON, body: `{"query":"{"}`, status: 400, code: "GRAPHQL_PARSE_FAILED"},
		{name: "POST/validation failure", accept: plain, body: `{"query":"{ nope }"}`, status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "POST/validation failure, graphql-response", accept: gqlJSON, body: `{"query":"{ nope }"}`, status: 400, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "POST/variable coercion failure", accept: plain, body: `{"query":"query($n: Int) { users(first: $n) { totalCount } }","variables":{"n":"x"}}`, status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "POST/unknown operation", accept: gqlJSON, body: `{"query":"query A { __typename }","operationName":"B"}`, status: 400, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "POST/over a limit, graphql-response", accept: gqlJSON, body: `{"query":"{ viewer { ` + strings.Repeat(`id @include(if: true) `, 60) + `} }"}`, status: 400, code: "DIRECTIVE_LIMIT_EXCEEDED"},
		// GET.
		{name: "GET/mutation is 405 with Allow: POST", method: "GET", query: "query=" + url.QueryEscape(`mutation { revokeCredential(id: "x") { id } }`), status: 405, code: "BAD_USER_INPUT", reason: "method_not_allowed", allow: "POST"},
		{name: "GET/mutation, graphql-response", method: "GET", accept: gqlJSON, query: "query=" + url.QueryEscape(`mutation { __typename }`), status: 405, code: "BAD_USER_INPUT", reason: "method_not_allowed", allow: "POST"},
		{name: "GET/no query", method: "GET", status: 400, code: "BAD_USER_INPUT", reason: "missing_query"},
		{name: "GET/variables not JSON", method: "GET", query: "query=" + url.QueryEscape(`{ __typename }`) + "&variables=%7Bx", status: 400, code: "BAD_USER_INPUT", reason: "invalid_variables"},
		{name: "GET/bad query string", method: "GET", query: "query=%zz", status: 400, code: "BAD_USER_INPUT", reason: "invalid_query_string"},
		{name: "GET/parse failure, graphql-response", method: "GET", accept: gqlJSON, query: "query=%7B", status: 400, code: "GRAPHQL_PARSE_FAILED"},
		// Other methods and media types.
		{name: "PUT is 405", method: "PUT", body: `{"query":"{ __typename }"}`, status: 405, code: "BAD_USER_INPUT", reason: "method_not_allowed", allow: "OPTIONS, GET, POST"},
		{name: "DELETE is 405", method: "DELETE", status: 405, code: "BAD_USER_INPUT", reason: "method_not_allowed", allow: "OPTIONS, GET, POST"},
		{name: "POST text/plain is 415", contentType: "text/plain", body: `{"query":"{ __typename }"}`, status: 415, code: "BAD_USER_INPUT", reason: "unsupported_media_type"},
		{name: "WebSocket upgrade without graphql-transport-ws is 400", method: "GET", contentType: "upgrade", status: 400, code: "BAD_USER_INPUT", reason: "unsupported_subprotocol"},
		{name: "POST without Content-Type is 415", contentType: "-", body: `{"query":"{ __typename }"}`, status: 415, code: "BAD_USER_INPUT", reason: "unsupported_media_type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := c.method
			if method == "" {
				method = "POST"
			}
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			req := apptest.Request(method, "/graphql?"+c.query, tok, nil)
			req.Body = io.NopCloser(body)
			if body == nil {
				req.Body = http.NoBody
			}
			switch c.contentType {
			case "":
				if method == "POST" || method == "PUT" {
					req.Header.Set("Content-Type", "application/json")
				}
			case "-":
			case "upgrade":
				req.Header.Set("Connection", "Upgrade")
				req.Header.Set("Upgrade", "websocket")
			default:
				req.Header.Set("Content-Type", c.contentType)
			}
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			rec := env.Do(req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			if got := rec.Header().Get("Allow"); got != c.allow {
				t.Fatalf("Allow %q, want %q", got, c.allow)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/") || !strings.Contains(ct, "json") {
				t.Fatalf("Content-Type %q", ct)
			}
			res := decodeErrors(t, rec.Code, rec.Body.Bytes())
			if res.hasData() {
				t.Fatalf("a request error has a data entry: %s", rec.Body)
			}
			e := res.errors[0]
			if e.Code() != c.code || c.reason != "" && e.Extensions["reason"] != c.reason {
				t.Fatalf("error %q %v, want %s %s", e.Message, e.Extensions, c.code, c.reason)
			}
			if rec.Body.Len() > 1000 {
				t.Fatalf("%d bytes of errors: %.300s", rec.Body.Len(), rec.Body)
			}
			if c.body != "" && len(c.body) > 8 && strings.Contains(rec.Body.String(), c.body) {
				t.Fatalf("the error repeats the body: %s", rec.Body)
			}
		})
	}

	t.Run("OPTIONS lists the methods", func(t *testing.T) {
		rec := env.Do(apptest.Request("OPTIONS", "/graphql", "", nil))
		if rec.Code != http.StatusNoContent || rec.Header().Get("Allow") != "OPTIONS, GET, POST" {
			t.Fatalf("%d %q", rec.Code, rec.Header().Get("Allow"))
		}
	})
	t.Run("GET runs a query", func(t *testing.T) {
		rec := env.Do(apptest.Request("GET", "/graphql?query="+url.QueryEscape(`{ viewer { email } }`), tok, nil))
		if rec.Code != 200 || !dataWithCost(rec.Body.Bytes(), `{"viewer":{"email":"root@example.com"}}`, 2) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

// TestMultipartErrors refuses a malformed GraphQL multipart request with
// 400 BAD_USER_INPUT (gqlgen's MultipartForm answers 422 with no code).
func TestMultipartErrors(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	tok := env.Token(t, env.Admin(t, "root@example.com"))
	const upload = `mutation($f: Upload!) { uploadTemporaryFile(file: $f) { id } }`
	type part struct{ name, filename, content string }
	cases := []struct {
		name   string
		parts  []part
		raw    string // a body that is not multipart at all
		status int
		code   string
	}{
		{name: "no operations part", parts: []part{{"map", "", `{}`}}, status: 400, code: "BAD_USER_INPUT"},
		{name: "operations not JSON", parts: []part{{"operations", "", `{x`}, {"map", "", `{}`}}, status: 400, code: "BAD_USER_INPUT"},
		{name: "no map part", parts: []part{{"operations", "", `{"query":"{ __typename }"}`}}, status: 400, code: "BAD_USER_INPUT"},
		{name: "map not JSON", parts: []part{{"operations", "", `{"query":"{ __typename }"}`}, {"map", "", `[`}}, status: 400, code: "BAD_USER_INPUT"},
		{name: "map path outside the variables", parts: []part{
			{"operations", "", `{"query":"` + upload + `","variables":{"f":null}}`},
			{"map", "", `{"0":["nope"]}`}, {"0", "a.png", "data"}}, status: 400, code: "BAD_USER_INPUT"},
		{name: "a file the map does not name", parts: []part{
			{"operations", "", `{"query":"` + upload + `","variables":{"f":null}}`},
			{"map", "", `{}`}, {"0", "a.png", "data"}}, status: 400, code: "BAD_USER_INPUT"},
		{name: "a mapped file that is missing", parts: []part{
			{"operations", "", `{"query":"` + upload + `","variables":{"f":null}}`},
			{"map", "", `{"0":["variables.f"]}`}}, status: 400, code: "BAD_USER_INPUT"},
		{name: "not multipart", raw: "garbage", status: 400, code: "BAD_USER_INPUT"},
		{name: "parse failure keeps its code", parts: []part{{"operations", "", `{"query":"{"}`}, {"map", "", `{}`}}, status: 200, code: "GRAPHQL_PARSE_FAILED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for _, p := range c.parts {
				var w io.Writer
				if p.filename != "" {
					w, _ = mw.CreateFormFile(p.name, p.filename)
				} else {
					w, _ = mw.CreateFormField(p.name)
				}
				_, _ = io.WriteString(w, p.content)
			}
			_ = mw.Close()
			body := buf.Bytes()
			if c.raw != "" {
				body = []byte(c.raw)
			}
			req := apptest.Request("POST", "/graphql", tok, body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			rec := env.Do(req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			res := decodeErrors(t, rec.Code, rec.Body.Bytes())
			if res.errors[0].Code() != c.code || res.hasData() {
				t.Fatalf("%s", rec.Body)
			}
		})
	}
}

// TestClientMistakesAreBadUserInput sends arguments the schema's types
// refuse (an Int outside 32 bits, a Time that is not RFC 3339, a string
// for an Int, a garbage id), as literals and as variables: each is
// BAD_USER_INPUT naming the argument, and nothing is logged at ERROR.
func TestClientMistakesAreBadUserInput(t *testing.T) {
	dbtest.Each(t, testClientMistakes)
}

func testClientMistakes(t *testing.T, dbURL string) {
	var logs bytes.Buffer
	env := apptest.New(t, dbURL, func(c *app.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	tok := env.Token(t, env.Admin(t, "root@example.com"))
	cases := []struct {
		name, query string
		vars        map[string]any
		field       string
	}{
		{"Int literal over 32 bits", `{ users(first: 2147483648) { totalCount } }`, nil, "first"},
		{"Int literal under 32 bits", `{ users(last: -2147483649) { totalCount } }`, nil, "last"},
		{"Int literal over 64 bits", `{ users(first: 99999999999999999999) { totalCount } }`, nil, ""},
		{"Int variable over 32 bits", `query($n: Int) { users(first: $n) { totalCount } }`, map[string]any{"n": int64(1) << 40}, "first"},
		{"Int variable as a string", `query($n: Int) { users(first: $n) { totalCount } }`, map[string]any{"n": "5"}, "first"},
		{"Int variable with a fraction", `query($n: Int) { users(first: $n) { totalCount } }`, map[string]any{"n": 2.5}, ""},
		{"Int in an input list", `{ users(where: {flagsIn: [1, 4294967296]}) { totalCount } }`, nil, "where.flagsIn[1]"},
		{"Int of an int64 column", `{ viewer { files(where: {sizeGT: 4294967296}) { totalCount } } }`, nil, "where.sizeGT"},
		{"Int of a mutation argument", `mutation { createApiKey(expiresInSeconds: 9999999999) { token } }`, nil, "expiresInSeconds"},
		{"Time literal", `{ users(where: {createdAtGT: "yesterday"}) { totalCount } }`, nil, "where.createdAtGT"},
		{"Time variable", `query($t: Time) { users(where: {createdAtGT: $t}) { totalCount } }`, map[string]any{"t": "2024-13-45"}, "where.createdAtGT"},
		{"Time variable not a string", `query($t: Time) { users(where: {createdAtGT: $t}) { totalCount } }`, map[string]any{"t": 12}, "where.createdAtGT"},
		{"id that is no id", `{ user(id: "garbage") { id } }`, nil, "id"},
		{"id in a list", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{gidOf(1), "garbage"}}, "ids[1]"},
		{"a string for an Upload", `mutation($f: Upload!) { uploadTemporaryFile(file: $f) { id } }`, map[string]any{"f": "not a file"}, "file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			logs.Reset()
			res := env.GraphQL(t, tok, c.query, c.vars)
			if len(res.Errors) == 0 {
				t.Fatalf("no error: %s", res.Data)
			}
			e := res.Errors[0]
			if e.Code() != "BAD_USER_INPUT" && e.Code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Fatalf("code %q: %s %v", e.Code(), e.Message, e.Extensions)
			}
			if c.field != "" && (e.Code() != "BAD_USER_INPUT" || e.Extensions["field"] != c.field) {
				t.Fatalf("%s %v, want BAD_USER_INPUT on %s", e.Message, e.Extensions, c.field)
			}
			if strings.Contains(logs.String(), "level=ERROR") {
				t.Fatalf("logged as an error: %s", logs.String())
			}
		})
	}

	t.Run("Int at the 32-bit bounds passes", func(t *testing.T) {
		res := env.GraphQL(t, tok, `{ users(where: {flagsGT: -2147483648, flagsLT: 2147483647}) { totalCount } }`, nil)
		if len(res.Errors) != 0 {
			t.Fatalf("%v", res.Errors)
		}
	})
	t.Run("Time in RFC 3339 passes", func(t *testing.T) {
		res := env.GraphQL(t, tok, `query($t: Time) { users(where: {createdAtGT: $t}) { totalCount } }`,
			map[string]any{"t": "2024-05-01T12:00:00.5+02:00"})
		if len(res.Errors) != 0 {
			t.Fatalf("%v", res.Errors)
		}
	})
}

// TestErrorOutputIsBounded caps the errors of one response: a document
// that makes thousands of validation errors is answered with the first
// graph.MaxErrors and one that says how many were dropped.
func TestErrorOutputIsBounded(t *testing.T) {
	// The shape limits refuse these documents with one error before
	// validation; turned off, validation would answer thousands.
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
		c.GraphQL = app.Defaults().GraphQL
		c.GraphQL.Limits.Selections, c.GraphQL.Limits.Repeats, c.GraphQL.Limits.Directives = 0, 0, 0
	})
	tok := env.Token(t, env.Admin(t, "root@example.com"))
	for name, query := range map[string]string{
		// 14 KB of one directive repeated on one field.
		"repeated directives": "{ __typename " + strings.Repeat("@skip(if: false) ", 14000/17) + "}",
		"unknown directives":  "{ __typename " + strings.Repeat("@x ", 14000/3) + "}", // once answered with megabytes of errors
		"unknown fields":      "{ " + strings.Repeat("nope ", 3000) + "}",
		"unknown arguments":   "{ viewer(" + strings.Repeat("a: 1 ", 1000) + ") { id } }",
	} {
		t.Run(name, func(t *testing.T) {
			rec := env.Do(apptest.Request("POST", "/graphql", tok, map[string]any{"query": query}))
			res := decodeErrors(t, rec.Code, rec.Body.Bytes())
			if len(res.errors) != graph.MaxErrors+1 {
				t.Fatalf("%d errors", len(res.errors))
			}
			last := res.errors[graph.MaxErrors]
			if last.Extensions["reason"] != "too_many_errors" || !strings.Contains(last.Message, "more errors were dropped") {
				t.Fatalf("last error %q %v", last.Message, last.Extensions)
			}
			if rec.Body.Len() > 16<<10 {
				t.Fatalf("%d bytes", rec.Body.Len())
			}
		})
	}
	t.Run("a few errors are all reported", func(t *testing.T) {
		res := env.GraphQL(t, tok, "{ a b c }", nil)
		if len(res.Errors) != 3 {
			t.Fatalf("%d errors", len(res.Errors))
		}
	})
}

// TestNoSuggestionsWithoutIntrospection: with introspection off, a
// mistake is not answered with the names it resembles ("Did you mean").
func TestNoSuggestionsWithoutIntrospection(t *testing.T) {
	mistakes := []string{
		`{ viewr { id } }`, // field
		`{ viewer { emial } }`,
		`{ users(frist: 1) { totalCount } }`,                           // argument
		`{ users(orderBy: {field: CREATED_ATT}) { totalCount } }`,      // enum value
		`{ users(where: {emial: "x"}) { totalCount } }`,                // input field
		`query($w: UserWhereInpt) { users(where: $w) { totalCount } }`, // type
		`{ viewer }`, // selection on an object
		`{ users(orderBy: {field: "EMAIL"}) { totalCount } }`, // string for an enum
	}
	for _, introspection := range []bool{true, false} {
		env := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
			c.GraphQL.Introspection = introspection
		})
		tok := env.Token(t, env.Admin(t, "root@example.com"))
		suggested := 0
		for _, q := range mistakes {
			res := env.GraphQL(t, tok, q, nil)
			if len(res.Errors) == 0 {
				t.Fatalf("%s: no error", q)
			}
			for _, e := range res.Errors {
				if strings.Contains(e.Message, "Did you mean") {
					suggested++
					if !introspection {
						t.Errorf("introspection off, %s: %q", q, e.Message)
					}
				}
			}
		}
		if introspection && suggested == 0 {
			t.Fatalf("introspection on: no suggestion at all (the test's mistakes are too far off)")
		}
		t.Logf("introspection %v: %d suggestions", introspection, suggested)
	}
}

// TestInternalErrorsLogBounded: one failure repeated on many fields (here
// a panic under each of 30 aliases) logs at most a few ERROR lines, then
// one saying the rest are not logged; the client sees INTERNAL, no detail.
func TestInternalErrorsLogBounded(t *testing.T) {
	var logs bytes.Buffer
	o := graph.DefaultOptions
	o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	// A service without a database client panics on the first query.
	h := graph.NewHandler(&graph.Resolver{Accounts: &accounts.Service{}}, o)
	admin := &auth.Viewer{User: &ent.User{ID: 1, Role: user.RoleAdmin}, Scopes: auth.AllScopes, Consented: true}
	var q strings.Builder
	q.WriteString("{ ")
	for i := range 30 {
		fmt.Fprintf(&q, "a%d: users { totalCount } ", i)
	}
	q.WriteString("}")
	body, _ := json.Marshal(map[string]string{"query": q.String()})
	req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(auth.NewContext(req.Context(), admin))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := decodeErrors(t, rec.Code, rec.Body.Bytes())
	if len(res.errors) != graph.MaxErrors+1 || res.errors[0].Code() != "INTERNAL" || strings.Contains(rec.Body.String(), "nil pointer") {
		t.Fatalf("%d errors: %.500s", len(res.errors), rec.Body)
	}
	lines := strings.Count(logs.String(), "level=ERROR")
	if lines != 6 || !strings.Contains(logs.String(), "nil pointer") || !strings.Contains(logs.String(), "not logged") {
		t.Fatalf("%d ERROR lines:\n%s", lines, logs.String())
	}
}
