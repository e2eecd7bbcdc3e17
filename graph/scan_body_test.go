package graph

import (
	"strings"
	"testing"
)

func TestScanBody(t *testing.T) {
	many := func(n int) string { return strings.TrimSuffix(strings.Repeat(`1,`, n), ",") }
	for _, c := range []struct {
		name, body string
		want       *string
	}{
		{"a plain request passes", `{"query":"{ viewer { id } }","variables":{"a":[1,2],"b":{"c":"d"}}}`, nil},
		{"marks inside strings do not count", `{"query":"` + strings.Repeat(`,:[{`, 30000) + `"}`, nil},
		{"escaped quotes keep the string open", `{"query":"` + strings.Repeat(`\",[`, 30000) + `"}`, nil},
		{"as many values as the limit pass", `{"query":"q","variables":{"ids":[` + many(MaxInputValues-1) + `]}}`, nil},
		{"twice the limit is refused", `{"query":"q","variables":{"ids":[` + many(2*MaxInputValues+70) + `]}}`, ptr("input_too_large")},
		{"nesting within the limit passes", `{"variables":{"v":` + strings.Repeat("[", MaxInputDepth) + strings.Repeat("]", MaxInputDepth) + `}}`, nil},
		{"nesting past it is refused", `{"variables":{"v":` + strings.Repeat("[", MaxInputDepth+1) + `}}`, ptr("input_too_deep")},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := scanBody([]byte(c.body))
			switch {
			case c.want == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != nil && (err == nil || err.Extensions["reason"] != *c.want):
				t.Fatalf("got %v, want %s", err, *c.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
