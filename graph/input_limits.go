package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Bounds on input values, checked before gqlgen converts any of them: the
// where guard (where_guard.go) refuses a `not` nested 9,000 deep, but
// gqlgen converts it first, in time that grows with the square of its
// depth (each level's context is searched through every level above), and
// 100,000 empty objects in one variable cost seconds in validation alone.
// These bounds are far above any legitimate input (a where argument within
// its own limits nests a dozen levels) and only cut the cost of hostile
// ones; the precise limits stay with the guards.
const (
	// MaxInputDepth bounds the nesting of objects and lists in one
	// argument or variable value.
	MaxInputDepth = 32
	// MaxInputValues bounds the values (scalars, objects, lists, each
	// counted) of all the variables of one request.
	MaxInputValues = 10_000
	// MaxInputObjects bounds the input objects of all the variables of one
	// request: gqlparser validates each against every field of its type
	// (a UserWhereInput has some 190), tens of microseconds apiece.
	MaxInputObjects = 250
)

// inputLimits enforces MaxInputDepth and MaxInputValues on variables as
// decoded from the request, before validation. Values written in the
// document are checked by documentValues, which the shape limits call on
// the parsed document before validation (cost.go): validation walks a
// deeply nested value in time that grows with the square of its depth.
type inputLimits struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = inputLimits{}

func (inputLimits) ExtensionName() string                   { return "InputLimits" }
func (inputLimits) Validate(graphql.ExecutableSchema) error { return nil }
func inputError(msg, reason string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "BAD_USER_INPUT", "reason": reason}}
}

var (
	errInputTooDeep  = inputError("an input value nests objects and lists too deep", "input_too_deep")
	errInputTooLarge = inputError("the variables hold too many values", "input_too_large")
)

// MutateOperationParameters checks the variables as decoded JSON.
func (inputLimits) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	var count inputCount
	for _, v := range p.Variables {
		if err := jsonValue(v, 1, &count); err != nil {
			return err
		}
	}
	return nil
}

type inputCount struct{ values, objects int }

func jsonValue(v any, depth int, count *inputCount) *gqlerror.Error {
	if count.values++; count.values > MaxInputValues {
		return errInputTooLarge
	}
	switch v := v.(type) {
	case map[string]any:
		if depth > MaxInputDepth {
			return errInputTooDeep
		}
		if count.objects++; count.objects > MaxInputObjects {
			return errInputTooLarge
		}
		for _, e := range v {
			if err := jsonValue(e, depth+1, count); err != nil {
				return err
			}
		}
	case []any:
		if depth > MaxInputDepth {
			return errInputTooDeep
		}
		for _, e := range v {
			if err := jsonValue(e, depth+1, count); err != nil {
				return err
			}
		}
	}
	return nil
}

// documentValues checks the values written in the document: every
// operation's and fragment's arguments (the parser's token limit already
// bounds their number).
func documentValues(doc *ast.QueryDocument) *gqlerror.Error {
	for _, op := range doc.Operations {
		if err := selectionValues(op.SelectionSet); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := selectionValues(f.SelectionSet); err != nil {
			return err
		}
	}
	return nil
}

func selectionValues(set ast.SelectionSet) *gqlerror.Error {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				if astDeeper(a.Value, 1) {
					return errInputTooDeep
				}
			}
			if err := selectionValues(s.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := selectionValues(s.SelectionSet); err != nil {
				return err
			}
		}
	}
	return nil
}

// astDeeper reports whether v nests objects and lists more than
// MaxInputDepth levels, without descending further.
func astDeeper(v *ast.Value, depth int) bool {
	if v == nil || (v.Kind != ast.ObjectValue && v.Kind != ast.ListValue) {
		return false
	}
	if depth > MaxInputDepth {
		return true
	}
	for _, c := range v.Children {
		if astDeeper(c.Value, depth+1) {
			return true
		}
	}
	return false
}

// scanBody refuses a POST body whose variables cannot be within
// MaxInputDepth and MaxInputValues, from its bytes alone, before it is
// decoded: decoding a body of a million bytes into values costs tens of
// milliseconds, reading its bytes a fraction of one (BenchmarkAttacks,
// "nodes with 70000 ids"). Outside strings, every value but the first
// follows a ':' or a ',' or opens a list, so a body with more of those than
// twice MaxInputValues (plus the request's own few keys) holds more values
// than MaxInputValues; and an object or list nested deeper than the
// variables' own two levels plus MaxInputDepth is too deep. Bodies within
// the bounds are decoded and counted exactly by MutateOperationParameters.
func scanBody(body []byte) *gqlerror.Error {
	const maxMarks = 2*MaxInputValues + 64
	depth, marks, inString := 0, 0, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > MaxInputDepth+2 {
				return errInputTooDeep
			}
			if c == '[' {
				marks++
			}
		case '}', ']':
			depth--
		case ',', ':':
			marks++
		}
		if marks > maxMarks {
			return errInputTooLarge
		}
	}
	return nil
}
