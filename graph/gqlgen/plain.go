package main

import (
	"fmt"
	"regexp"
	"strings"
)

// plainScalarField matches the executor gqlgen writes for a field read
// straight off its Go struct: no resolver, no method, no arguments, no
// directive. Groups: the function's head, the field context function, the
// struct field, the Go type and the marshaler.
var plainScalarField = regexp.MustCompile(`(func \(ec \*executionContext\) _\w+\(ctx context\.Context, field graphql\.CollectedField, obj \*?[\w.]+\) \(ret graphql\.Marshaler\) \{)
	return graphql\.ResolveField\(
		ctx,
		ec\.OperationContext,
		field,
		func\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
			return ec\.(fieldContext_\w+)\(ctx, field\)
		\},
		func\(ctx context\.Context\) \(any, error\) \{
			return obj\.(\w+), nil
		\},
		nil,
		func\(ctx context\.Context, selections ast\.SelectionSet, v ([^)]+)\) graphql\.Marshaler \{
			return ec\.(marshal[^\s(]+)\(ctx, selections, v\)
		\},
		true,
		(?:true|false),
	\)
\}
`)

// marshalPlainScalars replaces the executor of every plain scalar field with
// a direct call to its marshaler.
//
// For each field gqlgen builds a field context, a context holding it, four
// closures, a deferred recover and two interface boxes of the value, so
// that field middleware and error paths can see the field. A struct field
// read cannot fail or panic (the object is never nil here), carries no
// children that would need the path, and the service installs no field
// middleware (graph/handler.go), so for these fields all of that is
// unused: it was ~1,200 of the ~6,850 allocations of a page of 50 users
// (bench/README.md).
//
// Only scalars and enums qualify (their field context is a scalar one);
// objects keep the full path, which their fields' errors need. Lists and
// non-null pointers are left out too: their marshalers read the field
// context to report a null element.
func marshalPlainScalars(src string) (string, int, error) {
	n := 0
	var failed error
	out := plainScalarField.ReplaceAllStringFunc(src, func(m string) string {
		g := plainScalarField.FindStringSubmatch(m)
		head, fieldContext, field, goType, marshal := g[1], g[2], g[3], g[4], g[5]
		body, ok := functionBody(src, fieldContext)
		switch {
		case !ok:
			failed = fmt.Errorf("no %s in the generated executor", fieldContext)
			return m
		case !strings.HasPrefix(body, "return graphql.NewScalarFieldContext("):
			return m // an object
		case strings.HasPrefix(goType, "[]"),
			strings.HasPrefix(goType, "*") && !strings.HasPrefix(marshal, "marshalO"):
			return m
		}
		n++
		return fmt.Sprintf("%s\n\treturn ec.%s(ctx, field.Selections, obj.%s) // a plain scalar field (graph/gqlgen/plain.go)\n}\n", head, marshal, field)
	})
	return out, n, failed
}

// functionBody returns the first line of the body of an executionContext
// method.
func functionBody(src, name string) (string, bool) {
	head := "func (ec *executionContext) " + name + "("
	i := strings.Index(src, head)
	if i < 0 {
		return "", false
	}
	rest := src[i:]
	j := strings.Index(rest, "{\n")
	if j < 0 {
		return "", false
	}
	line, _, _ := strings.Cut(rest[j+2:], "\n")
	return strings.TrimSpace(line), true
}
