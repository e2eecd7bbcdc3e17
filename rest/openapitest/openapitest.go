// Package openapitest checks, in tests, that every response a dialect gives
// matches the dialect's own OpenAPI 3 document (kin-openapi's
// openapi3filter). A response to a path the document does not know must
// match its components/schemas/Error.
package openapitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Validator validates exchanges against one OpenAPI document.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// New loads and validates an OpenAPI document; a broken document fails t.
func New(t testing.TB, spec []byte) *Validator {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		t.Fatalf("openapi: loading: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi: invalid document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: "/"}} // match any host the test uses
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("openapi: router: %v", err)
	}
	return &Validator{doc: doc, router: router}
}

// Do sends req to h and returns the recorded response after checking it
// against the document (and failing t when it does not match).
func (v *Validator) Do(t testing.TB, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	v.Check(t, check, rec.Code, rec.Header(), rec.Body.Bytes())
	return rec
}

// Check validates one response (status, headers, body) to req.
func (v *Validator) Check(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	ctx := context.Background()
	probe := &http.Request{Method: req.Method, URL: &url.URL{Path: req.URL.Path, RawQuery: req.URL.RawQuery}, Header: req.Header}
	route, params, err := v.router.FindRoute(probe)
	if err != nil {
		v.checkError(t, req, status, body)
		return
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("openapi: %s %s -> %d does not match the document: %v\nbody: %s",
			req.Method, req.URL.Path, status, err, truncate(body))
	}
}

// checkError validates a response to a route the document lacks against
// components/schemas/Error.
func (v *Validator) checkError(t testing.TB, req *http.Request, status int, body []byte) {
	t.Helper()
	ref := v.doc.Components.Schemas["Error"]
	if ref == nil || ref.Value == nil {
		t.Errorf("openapi: %s %s is not in the document, and it has no Error schema", req.Method, req.URL.Path)
		return
	}
	if status < 400 {
		t.Errorf("openapi: %s %s is not in the document but answered %d", req.Method, req.URL.Path, status)
		return
	}
	var val any
	if err := jsonUnmarshal(body, &val); err != nil {
		t.Errorf("openapi: %s %s -> %d: body is not JSON: %s", req.Method, req.URL.Path, status, truncate(body))
		return
	}
	if err := ref.Value.VisitJSON(val); err != nil {
		t.Errorf("openapi: %s %s -> %d: body does not match Error: %v", req.Method, req.URL.Path, status, err)
	}
}

func truncate(b []byte) string {
	if len(b) > 512 {
		return string(b[:512]) + "..."
	}
	return string(b)
}
