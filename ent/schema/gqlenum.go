package schema

// GQLEnum documents an enum field for the GraphQL schema: its type and each
// of its values, keyed by the value stored. The entgql schema hook in
// ent/entc.go turns it into descriptions, and spells the values in upper
// case for GraphQL only (USER for user); it fails on a value left out.
type GQLEnum struct {
	Type   string
	Values map[string]string
}

// Name implements schema.Annotation.
func (GQLEnum) Name() string { return "GQLEnum" }
