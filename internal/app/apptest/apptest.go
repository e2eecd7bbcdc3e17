// Package apptest builds the real service for tests, on a real database
// (dbtest), and offers the few helpers every transport's tests need: users,
// tokens, applications, HTTP requests against the real router, and GraphQL
// operations.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/app"
	"userbridge/internal/rules/accounts"
)

// PublicURL is the base URL the test service believes it has.
const PublicURL = "http://userbridge.test"

// Env is a running service for one test.
type Env struct {
	*app.App
}

// New builds the service on the database at dbURL (see dbtest.Each), with
// storage in a temporary folder and logs discarded. Options adjust the
// configuration before the service is built.
func New(t testing.TB, dbURL string, options ...func(*app.Config)) *Env {
	t.Helper()
	cfg := app.Defaults()
	cfg.DatabaseURL = dbURL
	cfg.StorageURL = "file://" + filepath.Join(t.TempDir(), "files")
	cfg.PublicURL = PublicURL
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, o := range options {
		o(&cfg)
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("building app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return &Env{App: a}
}

// User creates a user with a password of "password123" and no privileges.
func (e *Env) User(t testing.TB, email string, options ...func(*accounts.CreateInput)) *ent.User {
	t.Helper()
	in := accounts.CreateInput{Email: email, Password: new("password123")}
	for _, o := range options {
		o(&in)
	}
	u, err := e.Accounts.Bootstrap(context.Background(), in)
	if err != nil {
		t.Fatalf("creating user %s: %v", email, err)
	}
	return u
}

// Admin creates an administrator.
func (e *Env) Admin(t testing.TB, email string) *ent.User {
	t.Helper()
	return e.User(t, email, func(in *accounts.CreateInput) { in.Role = new(user.RoleAdmin) })
}

// Token mints a first-party token (every scope, consented) for u.
func (e *Env) Token(t testing.TB, u *ent.User) string {
	t.Helper()
	return e.Issue(t, accounts.IssueInput{UserEmail: u.Email})
}

// Issue mints a token as the CLI would.
func (e *Env) Issue(t testing.TB, in accounts.IssueInput) string {
	t.Helper()
	tok, _, err := e.Accounts.Issue(context.Background(), in)
	if err != nil {
		t.Fatalf("issuing token: %v", err)
	}
	return tok
}

// Application registers an application and returns it with its secret.
func (e *Env) Application(t testing.TB, name string, verified bool, perms ...string) (*ent.Application, string) {
	t.Helper()
	a, secret, err := e.Accounts.CreateApp(context.Background(), name, verified, perms)
	if err != nil {
		t.Fatalf("creating application: %v", err)
	}
	return a, secret
}

// Request builds a request to the service; a non-empty token is sent as
// Bearer, a string body as JSON.
func Request(method, path, token string, body any) *http.Request {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	case io.Reader:
		r = b
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// Do serves req with the real router.
func (e *Env) Do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	return rec
}

// GraphQLError is one entry of a GraphQL response's errors.
type GraphQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns extensions.code.
func (g GraphQLError) Code() string { s, _ := g.Extensions["code"].(string); return s }

// GraphQLResponse is a decoded GraphQL response.
type GraphQLResponse struct {
	Status int             `json:"-"`
	Data   json.RawMessage `json:"data"`
	Errors []GraphQLError  `json:"errors"`
}

// Codes lists the extensions.code of every error.
func (r GraphQLResponse) Codes() []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Code())
	}
	return out
}

// Decode unmarshals data into v, failing t on error.
func (r GraphQLResponse) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decoding data %s: %v", r.Data, err)
	}
}

// GraphQL posts an operation to /graphql with token (may be empty).
func (e *Env) GraphQL(t testing.TB, token, query string, vars map[string]any) GraphQLResponse {
	t.Helper()
	rec := e.Do(Request("POST", "/graphql", token, map[string]any{"query": query, "variables": vars}))
	var out GraphQLResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("graphql response is not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	out.Status = rec.Code
	return out
}
