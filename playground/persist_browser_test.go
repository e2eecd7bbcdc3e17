package playground_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
	"userbridge/playground"
	"userbridge/playground/browsertest"
)

// The token and the last query survive a reload and a new browser tab: the
// playground comes back on the same GraphiQL tab, with no second, empty
// "<untitled>" one, and the token still authenticates. Runs in headless
// Chromium against the real router (skipped without chromium unless
// REQUIRE_BROWSER=1).
func TestPlaygroundKeepsTokenAndQuery(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	token := env.Token(t, env.Admin(t, "persist@example.com"))
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()

	const (
		queryEditor = `document.querySelector(".graphiql-query-editor .CodeMirror")`
		mine        = "query Mine { viewer { email role } }"
		// GraphiQL shows its tab bar only with two tabs or more.
		tabCount = `document.querySelectorAll(".graphiql-tab").length + " tabs"`
	)
	editorValue := queryEditor + `?.CodeMirror.getValue() ?? ""`
	run := browsertest.Step{Click: ".graphiql-execute-button", In: playground.ResultPaneSelector, WaitFor: `"role": "ADMIN"`}

	q := url.Values{"token": {token}, "query": {"{ viewer { email } }"}, "run": {"1"}}
	texts := browsertest.RunSteps(t, srv.URL+"/graphiql?"+q.Encode(), 60*time.Second,
		// 1. A link with the token runs the query.
		browsertest.Step{In: playground.ResultPaneSelector, WaitFor: "persist@example.com"},
		// 2. The person writes another query; GraphiQL stores it (debounced).
		browsertest.Step{Eval: queryEditor + `.CodeMirror.setValue(` + jsString(mine) + `) ?? "set"`, WaitFor: "set"},
		browsertest.Step{Eval: `localStorage.getItem("graphiql:tabState") ?? ""`, WaitFor: "query Mine"},
		// 3. A new browser tab on the bare playground: the same query, one
		// GraphiQL tab, and the token still works.
		browsertest.Step{NewTab: srv.URL + "/graphiql", Eval: editorValue, WaitFor: mine},
		browsertest.Step{Eval: tabCount, WaitFor: "0 tabs"},
		run,
		// 4. A reload of that tab: the same again.
		browsertest.Step{Reload: true, Eval: `performance.getEntriesByType("navigation")[0].type + " " + ` + editorValue,
			WaitFor: "reload " + mine},
		browsertest.Step{Eval: tabCount, WaitFor: "0 tabs"},
		run,
		// 5. The address bar never kept the token.
		browsertest.Step{Eval: `location.href`, WaitFor: "/graphiql"},
	)
	if strings.Contains(texts[len(texts)-1], token) {
		t.Fatalf("token in the address bar: %s", texts[len(texts)-1])
	}
	if !strings.Contains(texts[5], "persist@example.com") || !strings.Contains(texts[8], "persist@example.com") {
		t.Fatalf("result panes: %q %q", texts[5], texts[8])
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
