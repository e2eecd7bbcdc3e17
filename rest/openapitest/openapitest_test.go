package openapitest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"userbridge/rest/openapitest"
)

const spec = `{
  "openapi": "3.0.3",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/v1/things/{id}": {
      "get": {
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "required": ["id"], "additionalProperties": false,
            "properties": {"id": {"type": "integer"}}}}}}
        }
      }
    }
  },
  "components": {"schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}}}
}`

type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestValidatorAcceptsMatchingAndRefusesOthers(t *testing.T) {
	v := openapitest.New(t, []byte(spec))
	cases := []struct {
		name, path, body string
		status           int
		wantFail         bool
	}{
		{"matching body passes", "/v1/things/1", `{"id": 1}`, 200, false},
		{"wrong type fails", "/v1/things/1", `{"id": "1"}`, 200, true},
		{"extra key fails", "/v1/things/1", `{"id": 1, "x": 2}`, 200, true},
		{"undocumented status fails", "/v1/things/1", `{"id": 1}`, 201, true},
		{"unknown route with Error shape passes", "/v1/nope", `{"error": "not_found"}`, 404, false},
		{"unknown route with another shape fails", "/v1/nope", `<html>`, 404, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			})
			rec := &recorder{TB: t}
			v.Do(rec, h, httptest.NewRequest("GET", c.path, nil))
			if rec.failed != c.wantFail {
				t.Fatalf("validation failed=%v, want %v", rec.failed, c.wantFail)
			}
		})
	}
}
