package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"userbridge/internal/edge/inputtext"
)

// inputText refuses a request whose variables or document hold a string
// with a NUL byte or invalid UTF-8 (inputtext), before any resolver runs:
// PostgreSQL fails a statement holding one, SQLite stores it. The error is
// BAD_USER_INPUT with reason invalid_text and, as field, the innermost
// input field (or argument, or variable) holding the string.
type inputText struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = inputText{}

func (inputText) ExtensionName() string                   { return "InputText" }
func (inputText) Validate(graphql.ExecutableSchema) error { return nil }

func textError(field string) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    inputtext.Error(field).Message,
		Extensions: map[string]any{"code": "BAD_USER_INPUT", "reason": inputtext.Reason, "field": field},
	}
}

// MutateOperationParameters checks the variables as decoded from the
// request (their names and every key and string inside them).
func (inputText) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	for name, v := range p.Variables {
		if !inputtext.Valid(name) {
			return textError("")
		}
		if field, ok := jsonText(v, name); !ok {
			return textError(field)
		}
	}
	return nil
}

// jsonText reports whether every string and key of v is valid text; when
// not, the key (or name, at the top) whose value holds the bad one.
func jsonText(v any, name string) (string, bool) {
	switch v := v.(type) {
	case string:
		return name, inputtext.Valid(v)
	case map[string]any:
		for k, e := range v {
			if !inputtext.Valid(k) {
				return name, false
			}
			if field, ok := jsonText(e, k); !ok {
				return field, false
			}
		}
	case []any:
		for _, e := range v {
			if field, ok := jsonText(e, name); !ok {
				return field, false
			}
		}
	}
	return name, true
}

// MutateOperationContext checks the strings written in the document: the
// arguments of every operation and fragment, and the values of directives.
func (inputText) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Doc == nil {
		return nil
	}
	for _, op := range rc.Doc.Operations {
		for _, d := range op.VariableDefinitions {
			if field, ok := astText(d.DefaultValue, d.Variable); !ok {
				return textError(field)
			}
		}
		if field, ok := selectionText(op.SelectionSet); !ok {
			return textError(field)
		}
	}
	for _, f := range rc.Doc.Fragments {
		if field, ok := selectionText(f.SelectionSet); !ok {
			return textError(field)
		}
	}
	return nil
}

func selectionText(set ast.SelectionSet) (string, bool) {
	for _, s := range set {
		var args ast.ArgumentList
		var dirs ast.DirectiveList
		var sub ast.SelectionSet
		switch s := s.(type) {
		case *ast.Field:
			args, dirs, sub = s.Arguments, s.Directives, s.SelectionSet
		case *ast.InlineFragment:
			dirs, sub = s.Directives, s.SelectionSet
		case *ast.FragmentSpread:
			dirs = s.Directives
		}
		for _, d := range dirs {
			args = append(args, d.Arguments...)
		}
		for _, a := range args {
			if field, ok := astText(a.Value, a.Name); !ok {
				return field, false
			}
		}
		if field, ok := selectionText(sub); !ok {
			return field, false
		}
	}
	return "", true
}

func astText(v *ast.Value, name string) (string, bool) {
	if v == nil {
		return name, true
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		return name, inputtext.Valid(v.Raw)
	case ast.ObjectValue, ast.ListValue:
		for _, c := range v.Children {
			field := name
			if v.Kind == ast.ObjectValue {
				field = c.Name
			}
			if f, ok := astText(c.Value, field); !ok {
				return f, false
			}
		}
	}
	return name, true
}
