package graph

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/ent"
	"userbridge/internal/rules/policy"
)

// TestEveryFilterAndOrderFieldIsClassified fails when the schema offers a
// where field or an order field that policy does not classify: a new
// guarded column cannot become filterable by accident, it is refused
// until internal/rules/policy/filters.go says which right reading it needs.
func TestEveryFilterAndOrderFieldIsClassified(t *testing.T) {
	inputs, orders := 0, 0
	for _, def := range parsedSchema.Types {
		switch {
		case def.Kind == ast.InputObject && isWhereInput(def.Name):
			inputs++
			of := entityOf(def.Name)
			for _, f := range def.Fields {
				switch kind, target := filterField(def, f); kind {
				case filterLogical:
					if f.Type.Name() != def.Name {
						t.Errorf("%s.%s: a logical field of another type", def.Name, f.Name)
					}
				case filterEdge, filterEdgeExists:
					if !policy.Filterable(target, "") {
						t.Errorf("%s.%s: edge to %q unknown to policy", def.Name, f.Name, target)
					}
				default:
					if !policy.Filterable(of, target) {
						t.Errorf("%s.%s: field %q of %s not classified in internal/rules/policy/filters.go", def.Name, f.Name, target, of)
					}
				}
			}
		case def.Kind == ast.Enum && strings.HasSuffix(def.Name, "OrderField"):
			orders++
			of := entityOf(def.Name)
			for _, v := range def.EnumValues {
				if !policy.Filterable(of, strings.ToLower(v.Name)) {
					t.Errorf("%s.%s not classified in internal/rules/policy/filters.go", def.Name, v.Name)
				}
			}
		}
	}
	if inputs < 4 || orders < 4 {
		t.Fatalf("found %d where inputs and %d order enums: the schema walk is broken", inputs, orders)
	}
}

// TestWhereInputsWalkedThroughTheSchema checks that the schema the guard
// walks carries every field ent's where inputs can hold, so nothing
// reaches SQL unseen.
func TestWhereInputsWalkedThroughTheSchema(t *testing.T) {
	for _, v := range []any{ent.UserWhereInput{}, ent.FileWhereInput{}, ent.SignatureWhereInput{}, ent.CredentialWhereInput{}} {
		rt := reflect.TypeOf(v)
		def := parsedSchema.Types[rt.Name()]
		if def == nil {
			t.Fatalf("%s is not in the schema", rt.Name())
		}
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if name == "-" { // Predicates: filled by the schema's own fields (hasFlags)
				continue
			}
			if def.Fields.ForName(name) == nil {
				t.Errorf("%s.%s (%s) is not in the schema", rt.Name(), rt.Field(i).Name, name)
			}
		}
	}
}

func TestFilterFieldNames(t *testing.T) {
	user := parsedSchema.Types["UserWhereInput"]
	file := parsedSchema.Types["FileWhereInput"]
	cases := []struct {
		def        *ast.Definition
		field      string
		wantKind   filterKind
		wantTarget string
	}{
		{user, "emailHasPrefix", filterColumn, "email"},
		{user, "email", filterColumn, "email"},
		{user, "loginContainsFold", filterColumn, "login"},
		{user, "firstNameNotIn", filterColumn, "first_name"},
		{user, "publicIDGTE", filterColumn, "public_id"},
		{user, "hasFlags", filterColumn, "flags"},
		{user, "hasFiles", filterEdgeExists, policy.OfFiles},
		{user, "hasFilesWith", filterEdge, policy.OfFiles},
		{user, "hasAvatarWith", filterEdge, policy.OfAvatar},
		{user, "hasSignatures", filterEdgeExists, policy.OfSignatures},
		{user, "not", filterLogical, ""},
		{file, "hasOwnerWith", filterEdge, policy.OfUser},
		{file, "scenarioIDIsNil", filterColumn, "scenario_id"},
		{file, "sha256EqualFold", filterColumn, "sha256"},
	}
	for _, c := range cases {
		kind, target := filterField(c.def, c.def.Fields.ForName(c.field))
		if kind != c.wantKind || target != c.wantTarget {
			t.Errorf("%s: got %d %q, want %d %q", c.field, kind, target, c.wantKind, c.wantTarget)
		}
	}
}
