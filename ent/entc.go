//go:build ignore

// entc.go generates the ent data layer and, through entgql, the GraphQL
// schema of the entities (graph/ent.graphqls) with Relay connections, order
// fields and where-inputs.
//
// A schema hook (describe, below) finishes what entgql leaves out of the
// public schema: a description on every type, field and enum value, and
// enum values in GraphQL's SCREAMING_SNAKE_CASE. The database keeps the ent
// values (user, api_key, ...), which the legacy dialects print as they are;
// only GraphQL spells them USER, API_KEY, ... Each value is bound to its Go
// constant with gqlgen's @goEnum, so gqlgen marshals the GraphQL name
// instead of calling the MarshalGQL that entgql writes (which would print
// the stored value).
//
// Three of entgql's templates are replaced by the edited copies in
// template/ (see the note at the top of each): entgql's pagination does not
// follow the Relay Cursor Connections spec. The templates in template/ent/
// are ent's external templates: code that needs the entities' generated
// row scanning (the credential lookup of every request, EachRow).
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"regexp"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	entschema "entgo.io/ent/schema"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ex, err := entgql.NewExtension(
		// Before WithWhereInputs, which adds its template to these.
		entgql.WithTemplates(
			ownTemplate("collection"),
			entgql.EnumTemplate,
			entgql.NodeTemplate,
			ownTemplate("pagination"),
			entgql.TransactionTemplate,
			ownTemplate("edge"),
			entgql.MutationInputTemplate,
		),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("../graph/ent.graphqls"),
		entgql.WithConfigPath("../gqlgen.yml"),
		entgql.WithWhereInputs(true),
		entgql.WithSchemaHook(describe),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	err = entc.Generate("./schema", &gen.Config{
		Features: []gen.Feature{
			gen.FeatureGlobalID,
			gen.FeatureLock,
			gen.FeatureExecQuery,
			gen.FeatureModifier,
			gen.FeatureUpsert,
		},
	}, entc.Extensions(ex), entc.TemplateDir("./template/ent"))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

var (
	camel  = gen.Funcs["camel"].(func(string) string)
	pascal = gen.Funcs["pascal"].(func(string) string)
)

// describe is the entgql schema hook: descriptions from the ent schemas
// (the type's schema.Comment, the field's and edge's Comment, the enum's
// schema.GQLEnum annotation) and generic ones for what entgql generates
// (ids, where-inputs, order fields). It fails on an enum value without a
// description; graph/schema_test.go checks the rest of the served schema.
func describe(g *gen.Graph, s *ast.Schema) error {
	s.Directives["goEnum"] = &ast.DirectiveDefinition{
		Name:      "goEnum",
		Arguments: ast.ArgumentDefinitionList{{Name: "value", Type: ast.NamedType("String", nil)}},
		Locations: []ast.DirectiveLocation{ast.LocationEnumValue},
	}
	if q := s.Types["Query"]; q != nil && q.Description == "" {
		q.Description = "The root of every read."
	}
	for _, n := range g.Nodes {
		if def := s.Types[n.Name]; def != nil {
			if def.Description == "" {
				def.Description = typeComment(n)
			}
			for _, e := range n.Edges { // entgql leaves out the comment of a connection
				if f := def.Fields.ForName(camel(e.Name)); f != nil && f.Description == "" {
					f.Description = e.Comment()
				}
			}
			if id := def.Fields.ForName("id"); id != nil && id.Description == "" {
				id.Description = "The global ID of the " + n.Name + " (Relay Node id): opaque, stable, for node(id:) and every id argument."
			}
		}
		if s.Types[n.Name] == nil {
			continue // kept out of GraphQL (entgql.Skip): nothing to describe
		}
		for _, f := range n.Fields {
			if f.IsEnum() {
				if err := describeEnum(s, n, f); err != nil {
					return err
				}
			}
		}
		if def := s.Types[n.Name+"WhereInput"]; def != nil {
			if err := describeWhereInput(def, n); err != nil {
				return err
			}
		}
		if def := s.Types[n.Name+"OrderField"]; def != nil {
			describeOrderFields(def, n)
		}
	}
	return nil
}

// typeComment is the text of the type's schema.Comment annotation.
func typeComment(n *gen.Type) string {
	var c entschema.CommentAnnotation
	decode(n.Annotations[c.Name()], &c)
	return c.Text
}

// decode copies an annotation, which ent hands over as decoded JSON, into v.
func decode(ant any, v any) {
	if ant == nil {
		return
	}
	if b, err := json.Marshal(ant); err == nil {
		_ = json.Unmarshal(b, v)
	}
}

var enumName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// describeEnum renames the values of the enum of field f to upper case,
// binds each to its Go constant and describes the type and the values from
// the field's GQLEnum annotation (ent/schema/gqlenum.go).
func describeEnum(s *ast.Schema, n *gen.Type, f *gen.Field) error {
	name := n.Name + pascal(f.Name)
	def := s.Types[name]
	if def == nil || def.Kind != ast.Enum {
		return fmt.Errorf("describe: no enum %s for %s.%s", name, n.Name, f.Name)
	}
	var doc struct {
		Type   string
		Values map[string]string
	}
	decode(f.Annotations["GQLEnum"], &doc)
	if doc.Type == "" {
		return fmt.Errorf("describe: %s.%s: no GQLEnum annotation with a type description", n.Name, f.Name)
	}
	def.Description = doc.Type
	model := def.Directives.ForName("goModel").Arguments.ForName("model").Value.Raw
	pkg := model[:strings.LastIndex(model, ".")]
	def.EnumValues = def.EnumValues[:0]
	for _, e := range f.Enums {
		gqlName := strings.ToUpper(e.Value)
		if !enumName.MatchString(gqlName) {
			return fmt.Errorf("describe: %s.%s: value %q is no GraphQL enum name in upper case", n.Name, f.Name, e.Value)
		}
		desc := doc.Values[e.Value]
		if desc == "" {
			return fmt.Errorf("describe: %s.%s: no description of value %q in its GQLEnum annotation", n.Name, f.Name, e.Value)
		}
		def.EnumValues = append(def.EnumValues, &ast.EnumValueDefinition{
			Name:        gqlName,
			Description: desc + " Stored as `" + e.Value + "`.",
			Directives: ast.DirectiveList{{
				Name: "goEnum",
				Arguments: ast.ArgumentList{{
					Name:  "value",
					Value: &ast.Value{Kind: ast.StringValue, Raw: pkg + "." + e.Name},
				}},
			}},
		})
	}
	return nil
}

// predicates describes entgql's where-input predicates by operator name
// (gen.Op.Name); %s is the field's GraphQL name.
var predicates = map[string]string{
	"EQ":           "`%s` equals the value.",
	"NEQ":          "`%s` differs from the value.",
	"In":           "`%s` is one of the values.",
	"NotIn":        "`%s` is none of the values.",
	"GT":           "`%s` is greater than the value.",
	"GTE":          "`%s` is greater than or equal to the value.",
	"LT":           "`%s` is less than the value.",
	"LTE":          "`%s` is less than or equal to the value.",
	"Contains":     "`%s` contains the value.",
	"HasPrefix":    "`%s` starts with the value.",
	"HasSuffix":    "`%s` ends with the value.",
	"EqualFold":    "`%s` equals the value, ignoring case.",
	"ContainsFold": "`%s` contains the value, ignoring case.",
	"IsNil":        "`%s` is null (true) or not null (false).",
	"NotNil":       "`%s` is not null (true) or null (false).",
}

// describeWhereInput describes every predicate of a where-input, replacing
// entgql's "<field> field predicates", which it writes on the first
// predicate of each field only.
func describeWhereInput(def *ast.Definition, n *gen.Type) error {
	desc := map[string]string{
		"not": "Matches what the given filter does not match.",
		"and": "Matches what every given filter matches.",
		"or":  "Matches what at least one of the given filters matches.",
	}
	for _, f := range append([]*gen.Field{n.ID}, n.Fields...) {
		for _, op := range f.Ops() {
			text, ok := predicates[op.Name()]
			if !ok {
				return fmt.Errorf("describe: %s.%s: no description for the predicate %s", n.Name, f.Name, op.Name())
			}
			name := camel(f.Name + "_" + op.Name())
			if op == gen.EQ {
				name = camel(f.Name)
			}
			desc[name] = fmt.Sprintf(text, camel(f.Name))
		}
	}
	for _, e := range n.Edges {
		has, with := fmt.Sprintf("The %s has at least one of its `%s` (true) or none (false).", n.Name, camel(e.Name)),
			fmt.Sprintf("At least one of the %s's `%s` matches every given filter.", n.Name, camel(e.Name))
		if e.Unique {
			has, with = fmt.Sprintf("The %s has its `%s` (true) or none (false).", n.Name, camel(e.Name)),
				fmt.Sprintf("The %s's `%s` matches every given filter.", n.Name, camel(e.Name))
		}
		desc[camel("has_"+e.Name)], desc[camel("has_"+e.Name+"_with")] = has, with
	}
	def.Description = fmt.Sprintf("Filters %s objects: every predicate given must hold (an empty input matches everything).", n.Name)
	for _, fd := range def.Fields {
		if d, ok := desc[fd.Name]; ok {
			fd.Description = d
		}
	}
	return nil
}

// describeOrderFields describes the values of an order field enum by the
// field they order by.
func describeOrderFields(def *ast.Definition, n *gen.Type) {
	for _, f := range n.Fields {
		var ant entgql.Annotation
		decode(f.Annotations[ant.Name()], &ant)
		if ant.OrderField == "" {
			continue
		}
		if v := def.EnumValues.ForName(ant.OrderField); v != nil && v.Description == "" {
			v.Description = "Orders by `" + camel(f.Name) + "`."
		}
	}
}

// ownTemplate parses template/name.tmpl with entgql's template functions.
func ownTemplate(name string) *gen.Template {
	return gen.MustParse(gen.NewTemplate(name).
		Funcs(entgql.TemplateFuncs).
		ParseFiles("template/" + name + ".tmpl"))
}
