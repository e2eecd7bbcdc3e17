package app_test

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// The four documents as served, each loaded and validated by kin-openapi's
// loader, and each complete: where it is served (servers) and how a client
// authenticates (securitySchemes, required by a top-level security).
func TestOpenAPIDocumentsAreComplete(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	// basic: the dialects where an application alone (Basic id:secret) is
	// answered; the education platform needs a user on every route.
	want := map[string]struct{ basic bool }{
		"eduplatform": {basic: false},
		"edufocus":    {basic: true},
		"usersv1":     {basic: true},
		"maarch":      {basic: true},
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			rec := env.Do(apptest.Request("GET", "/openapi/"+name+".json", "", nil))
			if rec.Code != 200 {
				t.Fatalf("GET /openapi/%s.json: %d", name, rec.Code)
			}
			loader := openapi3.NewLoader()
			doc, err := loader.LoadFromData(rec.Body.Bytes())
			if err != nil {
				t.Fatalf("loading: %v", err)
			}
			if err := doc.Validate(context.Background()); err != nil {
				t.Fatalf("invalid: %v", err)
			}
			if len(doc.Servers) == 0 || doc.Servers[0].URL != "/" {
				t.Errorf("servers: want the relative URL /, got %v", doc.Servers)
			}
			schemes := doc.Components.SecuritySchemes
			if s := schemes["bearer"]; s == nil || s.Value.Type != "http" || s.Value.Scheme != "bearer" {
				t.Errorf("securitySchemes.bearer: %+v", s)
			}
			if s := schemes["basic"]; (s != nil) != w.basic || (s != nil && s.Value.Scheme != "basic") {
				t.Errorf("securitySchemes.basic: want present=%v, got %+v", w.basic, s)
			}
			if len(doc.Security) == 0 {
				t.Fatal("no top-level security requirement")
			}
			for _, req := range doc.Security {
				for scheme := range req {
					if schemes[scheme] == nil {
						t.Errorf("security names %q, which securitySchemes does not declare", scheme)
					}
				}
			}
		})
	}
}
