//go:build ignore

// entc.go generates the ent data layer and, through entgql, the GraphQL
// schema of the entities (graph/ent.graphqls) with Relay connections, order
// fields and where-inputs. Three of entgql's templates are replaced by the
// edited copies in template/ (see the note at the top of each): entgql's
// pagination does not follow the Relay Cursor Connections spec.
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
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
	}, entc.Extensions(ex))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

// ownTemplate parses template/name.tmpl with entgql's template functions.
func ownTemplate(name string) *gen.Template {
	return gen.MustParse(gen.NewTemplate(name).
		Funcs(entgql.TemplateFuncs).
		ParseFiles("template/" + name + ".tmpl"))
}
