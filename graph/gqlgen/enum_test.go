package main

import (
	"strings"
	"testing"
)

func TestCheckEnumLookups(t *testing.T) {
	const lookup = `func (ec *executionContext) unmarshalNUserRole2userbridgeᚋentᚋuserᚐRole(ctx context.Context, v any) (user.Role, error) {
	tmp, err := graphql.UnmarshalString(v)
	res := unmarshalNUserRole2userbridgeᚋentᚋuserᚐRole[tmp]
	return res, graphql.ErrorOnPath(ctx, err)
}
`
	t.Run("rewritten: the map lookup becomes enumValue", func(t *testing.T) {
		out, n, err := checkEnumLookups(lookup)
		want := "res, err := enumValue(unmarshalNUserRole2userbridgeᚋentᚋuserᚐRole, tmp, err)"
		if err != nil || n != 1 || !strings.Contains(out, want) || strings.Contains(out, "[tmp]") {
			t.Errorf("n=%d err=%v\n%s", n, err, out)
		}
	})
	t.Run("error: a lookup of another shape is left", func(t *testing.T) {
		src := strings.Replace(lookup, "tmp, err := graphql.UnmarshalString(v)", "tmp, err := graphql.UnmarshalText(v)", 1)
		if _, _, err := checkEnumLookups(src); err == nil {
			t.Error("no error")
		}
	})
}
