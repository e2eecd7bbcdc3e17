package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"userbridge/graph/gid"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// attack is a request built to hold the server's CPU or memory, with the
// code it is refused with.
type attack struct {
	name string
	body []byte // the JSON request body
	code string
}

func body(query string, vars map[string]any, operationName ...string) []byte {
	params := map[string]any{"query": query, "variables": vars}
	if len(operationName) > 0 {
		params["operationName"] = operationName[0]
	}
	b, err := json.Marshal(params)
	if err != nil {
		panic(err)
	}
	return b
}

// attacks are the documents of issue 16 and others found since, each within
// MAX_JSON_BYTES and the parser's token limit.
func attacks() []attack {
	repeat := func(s string, n int) string { return strings.Repeat(s, n) }
	numbered := func(format string, n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	ids := make([]string, 70000)
	for i := range ids {
		ids[i] = gid.Encode(i + 1)
	}
	var doubling strings.Builder
	doubling.WriteString("query{...F0}")
	for i := range 24 {
		fmt.Fprintf(&doubling, " fragment F%d on Query{...F%d ...F%d}", i, i+1, i+1)
	}
	doubling.WriteString(" fragment F24 on Query{__typename}")
	return []attack{
		{"fragment doubling 24 levels", body(doubling.String(), nil), "SELECTION_LIMIT_EXCEEDED"},
		{"14000 __typename", body("{"+repeat(" __typename", 14000)+"}", nil), "SELECTION_LIMIT_EXCEEDED"},
		{"viewer id x7000", body("{viewer{"+repeat(" id", 7000)+"}}", nil), "SELECTION_LIMIT_EXCEEDED"},
		{"avatar{id} x1000 in one set", body("{viewer{"+repeat(" avatar{id}", 1000)+"}}", nil), "SELECTION_LIMIT_EXCEEDED"},
		{"id x600 (one field repeated)", body("{viewer{"+repeat(" id", 600)+"}}", nil), "SELECTION_LIMIT_EXCEEDED"},
		{"deep nesting 900 levels", body("{viewer{"+repeat("avatar{owner{", 450)+"id"+repeat("}}", 450)+"}}", nil), "DEPTH_LIMIT_EXCEEDED"},
		{"deep __type ofType 900 levels", body(`{__type(name:"User"){`+repeat("ofType{", 900)+"name"+repeat("}", 900)+"}}", nil), "DEPTH_LIMIT_EXCEEDED"},
		{"30 aliases of a 5000-user page", body("{"+numbered(" a%[1]d:users(first:5000){edges{node{id publicID email firstName lastName avatar{id name} files{totalCount}}}}", 30)+"}", nil), "COMPLEXITY_LIMIT_EXCEEDED"},
		{"nodes with 70000 ids", body("query($ids:[ID!]!){nodes(ids:$ids){id}}", map[string]any{"ids": ids}), "BAD_USER_INPUT"},
		{"repeated directives 14 KB", body("{viewer{id"+repeat(" @include(if:true)", 800)+"}}", nil), "DIRECTIVE_LIMIT_EXCEEDED"},
		{"2500 operations", body(numbered("query Q%[1]d{__typename} ", 2500), nil, "Q0"), "SELECTION_LIMIT_EXCEEDED"},
		{"1500 distinct fragments", body("{"+numbered("...F%[1]d ", 1500)+"}"+numbered("fragment F%[1]d on Query{__typename} ", 1500), nil), "SELECTION_LIMIT_EXCEEDED"},
		{"4000 aliases", body("{viewer{"+numbered(" a%[1]d:id", 4000)+"}}", nil), "SELECTION_LIMIT_EXCEEDED"},
	}
}

// deepOverGET nests a variable 20,000 lists deep in a GET query string
// (the server reads at most 64 KB of headers, server.go), which the GET
// transport checks like a POST body before decoding it.
func deepOverGET() string {
	vars := `{"v":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`
	return "/graphql?" + url.Values{"query": {"query($v:[ID]){nodes(ids:$v){id}}"}, "variables": {vars}}.Encode()
}

func TestAttacksAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		tok := env.Token(t, env.Admin(t, "root@example.com"))
		for _, a := range attacks() {
			t.Run(a.name, func(t *testing.T) {
				rec := env.Do(apptest.Request("POST", "/graphql", tok, a.body))
				var res apptest.GraphQLResponse
				if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
					t.Fatalf("%d: %.300s", rec.Code, rec.Body)
				}
				if !slices.Equal(res.Codes(), []string{a.code}) || string(res.Data) != "null" && len(res.Data) != 0 {
					t.Fatalf("%d codes %v, want [%s]: %.300s", rec.Code, res.Codes(), a.code, rec.Body)
				}
			})
		}
		t.Run("variables 20,000 lists deep over GET", func(t *testing.T) {
			rec := env.Do(apptest.Request("GET", deepOverGET(), tok, nil))
			if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"reason":"input_too_deep"`) {
				t.Fatalf("%d: %.300s", rec.Code, rec.Body)
			}
		})
	})
}

// BenchmarkAttacks serves each attack document through the real router;
// each is refused before validation or execution. Besides the time per
// request it reports cpu-ms/op, the process's CPU time (garbage collection
// included) per request, which a machine shared with other work inflates
// less than the elapsed time.
func BenchmarkAttacks(b *testing.B) {
	env := apptest.New(b, dbtest.URL(b, dbtest.SQLite))
	tok := env.Token(b, env.Admin(b, "root@example.com"))
	for _, a := range attacks() {
		b.Run(a.name, func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				rec := env.Do(apptest.Request("POST", "/graphql", tok, a.body))
				if !bytes.Contains(rec.Body.Bytes(), []byte(`"code":"`+a.code+`"`)) {
					b.Fatalf("%d: %.300s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
	b.Run("variables 20,000 lists deep over GET", func(b *testing.B) {
		path := deepOverGET()
		for b.Loop() {
			if rec := env.Do(apptest.Request("GET", path, tok, nil)); rec.Code != 400 {
				b.Fatalf("%d: %.300s", rec.Code, rec.Body)
			}
		}
	})
}

// cpuTime is the user and system time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
