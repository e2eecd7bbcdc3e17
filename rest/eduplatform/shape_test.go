package eduplatform_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

// assertShape checks status, then that the body has exactly the keys of
// the example, recursively, with the same JSON types.
func assertShape(t *testing.T, rec *httptest.ResponseRecorder, status int, example string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body.String())
	}
	var got, want any
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	wd := json.NewDecoder(strings.NewReader(example))
	wd.UseNumber()
	if err := wd.Decode(&want); err != nil {
		t.Fatalf("example is not JSON: %v", err)
	}
	sameShape(t, "$", got, want)
}

func sameShape(t *testing.T, path string, got, want any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Fatalf("%s: %T, want an object", path, got)
		}
		if gk, wk := keys(g), keys(w); gk != wk {
			t.Fatalf("%s: keys %s, want %s", path, gk, wk)
		}
		for k := range w {
			sameShape(t, path+"."+k, g[k], w[k])
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) == 0 {
			t.Fatalf("%s: %v, want a non-empty array", path, got)
		}
		for i := range g {
			sameShape(t, fmt.Sprintf("%s[%d]", path, i), g[i], w[0])
		}
	case json.Number:
		g, ok := got.(json.Number)
		if _, err := g.Int64(); !ok || err != nil {
			t.Fatalf("%s: %v, want an integer", path, got)
		}
	case string:
		g, ok := got.(string)
		if !ok || (timeRe.MatchString(w) && !timeRe.MatchString(g)) {
			t.Fatalf("%s: %#v, want a string like %q", path, got, w)
		}
	default:
		t.Fatalf("%s: unexpected example value %#v", path, want)
	}
}

func keys(m map[string]any) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
