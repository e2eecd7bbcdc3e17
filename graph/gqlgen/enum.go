package main

import (
	"fmt"
	"regexp"
	"strings"
)

// enumLookup matches how the generated executor reads an enum value bound
// to Go constants (@goEnum, see ent/entc.go): a plain map lookup. Groups:
// the indentation and the map.
var enumLookup = regexp.MustCompile(`(\n\t+)tmp, err := graphql\.UnmarshalString\(v\)\n\t+res := (unmarshal[^\s\[]+)\[tmp\]\n`)

// checkEnumLookups makes every enum lookup fail on a name that is not one of
// the enum's values (graph.enumValue) instead of yielding the zero value.
//
// gqlgen trusts the validator to have refused unknown names, but gqlparser
// compares variable values ignoring case: {"role": "admin"} passes as
// ADMIN, then finds nothing in the map, and a filter on role "" matched
// no user without a word.
func checkEnumLookups(src string) (string, int, error) {
	n := 0
	out := enumLookup.ReplaceAllStringFunc(src, func(m string) string {
		n++
		g := enumLookup.FindStringSubmatch(m)
		return fmt.Sprintf("%stmp, err := graphql.UnmarshalString(v)%sres, err := enumValue(%s, tmp, err) // graph/gqlgen/enum.go\n", g[1], g[1], g[2])
	})
	if strings.Contains(out, "[tmp]\n") {
		return out, n, fmt.Errorf("an enum lookup left unchecked: has gqlgen changed how it reads enum values?")
	}
	return out, n, nil
}
