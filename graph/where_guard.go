package graph

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// Limits on a connection's where argument, checked before any SQL is built:
// each condition becomes SQL, and a `not` nested thousands deep exhausted
// PostgreSQL's memory.
const (
	// MaxFilterValues bounds every ...In and ...NotIn list.
	MaxFilterValues = 100
	// MaxFilterDepth bounds the nesting of not, and, or and edge
	// conditions (hasFilesWith, hasOwnerWith, ...) below the where argument.
	MaxFilterDepth = 5
	// MaxFilterConditions bounds the conditions of one where argument, every
	// level counted: each field set, and each element of an and, or or edge
	// list.
	MaxFilterConditions = 50
)

// customFilterFields are the where fields this schema adds to entgql's
// (user.graphqls), with the ent field each compares.
var customFilterFields = map[string]string{
	"UserWhereInput.hasFlags": "flags",
}

// filterOperators are the suffixes entgql gives a field's predicates.
var filterOperators = []string{"ContainsFold", "EqualFold", "HasPrefix", "HasSuffix", "Contains",
	"NotNil", "IsNil", "NotIn", "In", "NEQ", "GTE", "GT", "LTE", "LT"}

// guardFilters checks the where and orderBy arguments of the connection
// field being resolved (ctx is the resolver's): the limits above, then
// policy.Filter with everything the conditions and the ordering read.
// owner is the user whose list it is, or policy.EveryListedUser. Over a
// limit the answer is BAD_USER_INPUT; a condition on what the viewer may
// not read is FORBIDDEN.
func guardFilters(ctx context.Context, v *auth.Viewer, owner int) error {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || fc.Field.Definition == nil {
		return nil
	}
	defs := fc.Field.Definition.Arguments
	whereDef, orderDef := defs.ForName("where"), defs.ForName("orderBy")
	if whereDef == nil && orderDef == nil {
		return nil
	}
	if notGiven(fc.Field.Arguments, whereDef) && notGiven(fc.Field.Arguments, orderDef) {
		return nil // nothing to check, and no map to build for each of a page's users
	}
	args, err := argumentMap(fc.Field.Field, graphql.GetOperationContext(ctx).Variables)
	if err != nil {
		return err
	}
	of := entityOf(fc.Field.Definition.Type.Name())
	w := filterWalk{owner: owner}
	if whereDef != nil && args["where"] != nil {
		if err := w.input(parsedSchema.Types[whereDef.Type.Name()], of, args["where"], 0); err != nil {
			return err
		}
	}
	if orderDef != nil {
		w.order(of, args["orderBy"])
	}
	if len(w.reads) == 0 {
		return nil
	}
	return policy.Filter(v, w.reads)
}

// notGiven reports whether an argument has no value: neither in the
// document nor as a default.
func notGiven(args ast.ArgumentList, def *ast.ArgumentDefinition) bool {
	return def == nil || args.ForName(def.Name) == nil && def.DefaultValue == nil
}

// argumentMap is ast.Field.ArgumentMap, which panics on a value it cannot
// convert; validation has run, so that would be a bug, reported as such.
func argumentMap(f *ast.Field, vars map[string]any) (args map[string]any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = apperr.Wrap(fmt.Errorf("%v", p), "reading arguments")
		}
	}()
	return f.ArgumentMap(vars), nil
}

// entityOf names what a connection or a where input lists, as policy
// knows it: users, or the user's files, signatures, credentials.
func entityOf(typeName string) string {
	switch {
	case strings.HasPrefix(typeName, "User"):
		return policy.OfUser
	case strings.HasPrefix(typeName, "File"):
		return policy.OfFiles
	case strings.HasPrefix(typeName, "Signature"):
		return policy.OfSignatures
	case strings.HasPrefix(typeName, "Credential"):
		return policy.OfCredentials
	case strings.HasPrefix(typeName, "AuditEvent"):
		return policy.OfAuditEvents
	}
	return typeName // unknown to policy: refused there
}

type filterWalk struct {
	owner      int
	reads      []policy.FilterRead
	conditions int
}

func (w *filterWalk) read(of, field string) {
	for _, r := range w.reads {
		if r.Of == of && r.Field == field {
			return
		}
	}
	w.reads = append(w.reads, policy.FilterRead{Owner: w.owner, Of: of, Field: field})
}

var (
	errFilterTooDeep = apperr.Invalidf("where", "filter_too_deep",
		"where nests not, and, or and edge conditions more than %d deep", MaxFilterDepth)
	errFilterTooLarge = apperr.Invalidf("where", "filter_too_large",
		"where has more than %d conditions", MaxFilterConditions)
	errFilterTooManyValues = apperr.Invalidf("where", "filter_too_many_values",
		"a where list (...In, ...NotIn) has more than %d values", MaxFilterValues)
)

// input walks one where input object of type def, describing `of`, nested
// depth levels below the argument. It follows the schema, so a field added
// to a where input is classified by its name (filterField) or refused.
func (w *filterWalk) input(def *ast.Definition, of string, raw any, depth int) error {
	if depth > MaxFilterDepth {
		return errFilterTooDeep
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil // null, or a shape validation already refused
	}
	if def == nil { // a where input the schema does not know: refuse, unseen
		return apperr.Wrap(fmt.Errorf("where input of %s not in the schema", of), "reading a filter")
	}
	for _, f := range def.Fields {
		val, set := obj[f.Name]
		if !set || val == nil {
			continue
		}
		if w.conditions++; w.conditions > MaxFilterConditions {
			return errFilterTooLarge
		}
		switch kind, target := filterField(def, f); kind {
		case filterLogical, filterEdge:
			sub := def
			if kind == filterEdge {
				w.read(target, "")
				sub = parsedSchema.Types[f.Type.Name()]
			} else {
				target = of
			}
			// Each element is a condition too: 100,000 empty objects in
			// an and list would each become SQL.
			if w.conditions += max(listLen(val), 0); w.conditions > MaxFilterConditions {
				return errFilterTooLarge
			}
			for _, elem := range listOf(val) {
				if err := w.input(sub, target, elem, depth+1); err != nil {
					return err
				}
			}
		case filterEdgeExists:
			w.read(target, "")
		default:
			if listLen(val) > MaxFilterValues {
				return errFilterTooManyValues
			}
			w.read(of, target)
		}
	}
	return nil
}

// order records what an orderBy argument (one order or a list) reads.
func (w *filterWalk) order(of string, raw any) {
	for _, o := range listOf(raw) {
		if m, ok := o.(map[string]any); ok {
			if field, ok := m["field"].(string); ok {
				w.read(of, strings.ToLower(field)) // EMAIL, FIRST_NAME: ent field names
			}
		}
	}
}

// listOf returns a list input's elements; GraphQL also accepts one value
// where a list is expected.
// Variables may hold typed slices ([]string, []map[string]any), hence
// reflection.
func listOf(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out
	}
	return []any{v}
}

// listLen is the length of a list value, or -1 for a single value.
func listLen(v any) int {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
		return rv.Len()
	}
	return -1
}

type filterKind int

const (
	filterColumn     filterKind = iota // a predicate on a field: target is the ent field
	filterLogical                      // not, and, or
	filterEdge                         // hasXWith: target is what the edge reaches
	filterEdgeExists                   // hasX: target is what the edge reaches
)

// filterField classifies a field f of the where input def.
func filterField(def *ast.Definition, f *ast.FieldDefinition) (filterKind, string) {
	switch f.Name {
	case "not", "and", "or":
		return filterLogical, ""
	}
	if col, ok := customFilterFields[def.Name+"."+f.Name]; ok {
		return filterColumn, col
	}
	if edge, ok := strings.CutPrefix(f.Name, "has"); ok {
		if with, ok := strings.CutSuffix(edge, "With"); ok && isWhereInput(f.Type.Name()) {
			return filterEdge, edgeTarget(f.Type.Name(), with)
		}
		if withDef := def.Fields.ForName(f.Name + "With"); withDef != nil && isWhereInput(withDef.Type.Name()) {
			return filterEdgeExists, edgeTarget(withDef.Type.Name(), edge)
		}
	}
	name := f.Name
	for _, op := range filterOperators {
		if base, ok := strings.CutSuffix(name, op); ok && base != "" && def.Fields.ForName(base) != nil {
			name = base
			break
		}
	}
	return filterColumn, snakeCase(name)
}

func isWhereInput(typeName string) bool { return strings.HasSuffix(typeName, "WhereInput") }

// edgeTarget is what policy calls the end of an edge: an edge back to a
// user (a file's owner, a credential's user) reaches the same user, so
// its conditions are on that user; a user's edge reaches what it owns,
// named by the edge (files, avatar, signatures, credentials).
func edgeTarget(targetInput, edge string) string {
	if targetInput == "UserWhereInput" {
		return policy.OfUser
	}
	return strings.ToLower(edge[:1]) + edge[1:]
}

// snakeCase turns a GraphQL field name into ent's: firstName -> first_name,
// publicID -> public_id, sha256 -> sha256.
func snakeCase(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
