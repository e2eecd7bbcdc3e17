package graph_test

import (
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/graph"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// servedSchema is the schema the executor validates against and
// introspection serves.
func servedSchema() *ast.Schema {
	return graph.NewExecutableSchema(graph.Config{}).Schema()
}

// userTypes are the schema's own types: no introspection type, no built-in
// scalar.
func userTypes(s *ast.Schema) []*ast.Definition {
	var out []*ast.Definition
	for _, def := range s.Types {
		if !def.BuiltIn && !strings.HasPrefix(def.Name, "__") {
			out = append(out, def)
		}
	}
	slices.SortFunc(out, func(a, b *ast.Definition) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func TestSchemaForClientDevelopers(t *testing.T) {
	s := servedSchema()

	t.Run("every type, field, argument, input field and enum value has a description", func(t *testing.T) {
		var missing []string
		for _, def := range userTypes(s) {
			if strings.TrimSpace(def.Description) == "" {
				missing = append(missing, def.Name)
			}
			for _, f := range def.Fields {
				if strings.HasPrefix(f.Name, "__") {
					continue // __schema, __type
				}
				if strings.TrimSpace(f.Description) == "" {
					missing = append(missing, def.Name+"."+f.Name)
				}
				for _, a := range f.Arguments {
					if strings.TrimSpace(a.Description) == "" {
						missing = append(missing, def.Name+"."+f.Name+"("+a.Name+":)")
					}
				}
			}
			for _, v := range def.EnumValues {
				if strings.TrimSpace(v.Description) == "" {
					missing = append(missing, def.Name+"."+v.Name)
				}
			}
		}
		if len(missing) > 0 {
			t.Errorf("%d without a description (ent/schema Comment or graph/*.graphqls):\n%s", len(missing), strings.Join(missing, "\n"))
		}
	})

	t.Run("every enum value is in SCREAMING_SNAKE_CASE", func(t *testing.T) {
		upper := regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)
		n := 0
		for _, def := range userTypes(s) {
			for _, v := range def.EnumValues {
				n++
				if !upper.MatchString(v.Name) {
					t.Errorf("%s.%s", def.Name, v.Name)
				}
			}
		}
		if n == 0 {
			t.Fatal("no enum values found")
		}
	})

	t.Run("no code-generation directive is defined or used", func(t *testing.T) {
		for name, d := range s.Directives {
			if d.Position == nil || d.Position.Src == nil || !d.Position.Src.BuiltIn {
				t.Errorf("directive @%s is not one of GraphQL's own", name)
			}
		}
		for _, def := range userTypes(s) {
			uses := slices.Clone(def.Directives)
			for _, f := range def.Fields {
				uses = append(uses, f.Directives...)
				for _, a := range f.Arguments {
					uses = append(uses, a.Directives...)
				}
			}
			for _, v := range def.EnumValues {
				uses = append(uses, v.Directives...)
			}
			for _, d := range uses {
				if s.Directives[d.Name] == nil || strings.HasPrefix(d.Name, "go") {
					t.Errorf("%s uses @%s", def.Name, d.Name)
				}
			}
		}
	})

	t.Run("Time is specified by the RFC 3339 date-time scalar", func(t *testing.T) {
		d := s.Types["Time"].Directives.ForName("specifiedBy")
		if d == nil || d.Arguments.ForName("url").Value.Raw != "https://scalars.graphql.org/andimarek/date-time" {
			t.Errorf("Time directives: %v", s.Types["Time"].Directives)
		}
	})

	t.Run("graph/schema.graphql is the served schema (go generate ./... writes it)", func(t *testing.T) {
		committed, err := os.ReadFile("schema.graphql")
		if err != nil {
			t.Fatal(err)
		}
		if string(committed) != graph.SDLFile() {
			t.Error("graph/schema.graphql differs from the served schema: run go generate ./...")
		}
		if !strings.Contains(graph.SDL(), "type Query {") || strings.Contains(graph.SDL(), "@go") {
			t.Errorf("SDL is not the public schema:\n%.500s", graph.SDL())
		}
	})
}

func TestSchemaOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)

		t.Run("introspection lists only GraphQL's own directives", func(t *testing.T) {
			res := env.GraphQL(t, "", `{ __schema { directives { name } } }`, nil)
			var got struct {
				Schema struct{ Directives []struct{ Name string } } `json:"__schema"`
			}
			res.Decode(t, &got)
			var names []string
			for _, d := range got.Schema.Directives {
				names = append(names, d.Name)
			}
			want := []string{"defer", "deprecated", "include", "oneOf", "skip", "specifiedBy"}
			if len(res.Errors) != 0 || !slices.Equal(names, want) {
				t.Errorf("directives %v %v, want %v", names, res.Errors, want)
			}
		})

		t.Run("introspection shows Time's specifiedByURL and enum values in upper case", func(t *testing.T) {
			res := env.GraphQL(t, "", `{ time: __type(name: "Time") { specifiedByURL description }
				role: __type(name: "UserRole") { enumValues { name description } } }`, nil)
			var got struct {
				Time struct{ SpecifiedByURL, Description string }
				Role struct {
					EnumValues []struct{ Name, Description string }
				}
			}
			res.Decode(t, &got)
			if got.Time.SpecifiedByURL != "https://scalars.graphql.org/andimarek/date-time" || got.Time.Description == "" {
				t.Errorf("Time: %+v %v", got.Time, res.Errors)
			}
			if len(got.Role.EnumValues) != 2 || got.Role.EnumValues[0].Name != "USER" || got.Role.EnumValues[1].Name != "ADMIN" ||
				got.Role.EnumValues[1].Description == "" {
				t.Errorf("UserRole: %+v", got.Role.EnumValues)
			}
		})

		t.Run("a query using a code-generation directive is refused", func(t *testing.T) {
			res := env.GraphQL(t, "", `{ __typename @goField(forceResolver: true) }`, nil)
			if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, `Unknown directive "@goField"`) {
				t.Errorf("status %d errors %v", res.Status, res.Errors)
			}
		})

		t.Run("GET /graphql/schema.graphql serves the SDL", func(t *testing.T) {
			rec := env.Do(httptest.NewRequest("GET", "/graphql/schema.graphql", nil))
			if rec.Code != 200 || rec.Body.String() != graph.SDL() ||
				!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
				t.Errorf("%d %s %.200s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
			}
		})

		t.Run("GET /graphql/schema.graphql is not found with introspection off", func(t *testing.T) {
			off := apptest.New(t, url, func(c *app.Config) { c.GraphQL.Introspection = false })
			rec := off.Do(httptest.NewRequest("GET", "/graphql/schema.graphql", nil))
			if rec.Code != 404 {
				t.Errorf("%d %.200s", rec.Code, rec.Body.String())
			}
		})
	})
}

func TestEnumValues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		root := env.Admin(t, "root@example.com")
		tok := env.Token(t, root)
		const q = `query($w: UserWhereInput) { users(first: 5, where: $w) { edges { node { role status mode } } } }`

		t.Run("upper-case values filter and are written in upper case", func(t *testing.T) {
			res := env.GraphQL(t, tok, q, map[string]any{"w": map[string]any{"role": "ADMIN", "statusIn": []string{"ACTIVE"}, "mode": "STANDARD"}})
			if len(res.Errors) != 0 || string(res.Data) != `{"users":{"edges":[{"node":{"role":"ADMIN","status":"ACTIVE","mode":"STANDARD"}}]}}` {
				t.Fatalf("%s %v", res.Data, res.Errors)
			}
		})

		// gqlparser accepts a variable's enum value ignoring case; it must
		// not reach the resolver as the zero value (a filter on role "").
		t.Run("a lower-case value in a variable is BAD_USER_INPUT, not an empty page", func(t *testing.T) {
			for _, w := range []map[string]any{{"role": "admin"}, {"roleIn": []string{"ADMIN", "user"}}, {"status": "Active"}} {
				res := env.GraphQL(t, tok, q, map[string]any{"w": w})
				if len(res.Errors) != 1 || res.Codes()[0] != "BAD_USER_INPUT" || len(res.Data) != 0 && string(res.Data) != "null" ||
					!strings.Contains(res.Errors[0].Message, "is not a value of this enum") {
					t.Errorf("where %v: %s %+v", w, res.Data, res.Errors)
				}
			}
		})

		t.Run("a lower-case literal is refused by validation", func(t *testing.T) {
			res := env.GraphQL(t, tok, `{ users(first: 1, where: {role: admin}) { totalCount } }`, nil)
			if len(res.Errors) != 1 || res.Codes()[0] != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("%s %+v", res.Data, res.Errors)
			}
		})
	})
}
