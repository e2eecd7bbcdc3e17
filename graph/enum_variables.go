package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// exactEnums refuses a variable holding an enum value that is not exactly
// one of its enum's names. gqlparser validates a variable's enum value
// ignoring case ("admin" passes for ADMIN) and gqlgen then finds no Go
// value for it: a filter on role "admin" would silently match nobody, a
// mutation would store the zero value. Values written in the document are
// compared exactly by validation already.
type exactEnums struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = exactEnums{}

func (exactEnums) ExtensionName() string                   { return "ExactEnums" }
func (exactEnums) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext checks every variable of the operation against its
// declared type, after validation and before any argument is read.
func (e exactEnums) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	for _, def := range oc.Operation.VariableDefinitions {
		if v, ok := oc.Variables[def.Variable]; ok {
			if err := exactEnum(e.schema, def.Type, v, def.Variable); err != nil {
				return err
			}
		}
	}
	return nil
}

// exactEnum walks value as typ; path names it for the error's field. The
// input limits (input_limits.go) bound the walk.
func exactEnum(s *ast.Schema, typ *ast.Type, value any, path string) *gqlerror.Error {
	if typ == nil || value == nil || s == nil {
		return nil
	}
	if typ.Elem != nil {
		list, ok := value.([]any)
		if !ok { // a single value given for a list
			return exactEnum(s, typ.Elem, value, path)
		}
		for i, e := range list {
			if err := exactEnum(s, typ.Elem, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	def := s.Types[typ.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Enum:
		name, _ := value.(string)
		for _, v := range def.EnumValues {
			if v.Name == name {
				return nil
			}
		}
		names := make([]string, 0, len(def.EnumValues))
		for _, v := range def.EnumValues {
			names = append(names, v.Name)
		}
		slices.Sort(names)
		return &gqlerror.Error{
			Message:    fmt.Sprintf("%q is not a value of this enum: %s", name, strings.Join(names, ", ")),
			Extensions: map[string]any{"code": "BAD_USER_INPUT", "field": path, "reason": "invalid_enum_value"},
		}
	case ast.InputObject:
		fields, _ := value.(map[string]any)
		for k, v := range fields {
			if f := def.Fields.ForName(k); f != nil {
				if err := exactEnum(s, f.Type, v, path+"."+k); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
