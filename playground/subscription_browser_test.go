package playground_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
	"userbridge/playground"
	"userbridge/playground/browsertest"
)

// An administrator's subscription run in the playground streams the audit
// event of an action taken afterwards (over the WebSocket, authenticated
// with the Headers editor's token at connection_init); a non-administrator's
// shows FORBIDDEN, and a bad token's the close code 4401. Runs in headless
// Chromium against the real router (skipped without chromium unless
// REQUIRE_BROWSER=1).
func TestPlaygroundSubscription(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	admin := env.Token(t, env.Admin(t, "watcher@example.com"))
	bob := env.Token(t, env.User(t, "bob@example.com"))
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()

	// The action waits for the playground's subscription to listen, so
	// that its event cannot be committed before: the connection's
	// credential re-check is one listener of the fan-out, the subscription
	// the second (graph/ws_recheck.go, graph/subscription.go).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	created := make(chan string, 1)
	go func() {
		defer close(created)
		for env.AuditFanout().Subscribers() < 2 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		u, err := env.Accounts.Bootstrap(ctx, accounts.CreateInput{Email: "newcomer@example.com", Password: new("password123")})
		if err != nil {
			created <- "error: " + err.Error()
			return
		}
		created <- u.PublicID
	}()

	const sub = "subscription { auditEvents { kind targetID occurredAt } }"
	open := func(token string) string {
		return srv.URL + "/graphiql?" + url.Values{"token": {token}, "query": {sub}, "run": {"1"}}.Encode()
	}
	texts := browsertest.RunSteps(t, open(admin), 60*time.Second,
		browsertest.Step{In: playground.ResultPaneSelector, WaitFor: `"user.created"`, FailOn: "WebSocket"},
		browsertest.Step{NewTab: open(bob), In: playground.ResultPaneSelector, WaitFor: "FORBIDDEN"},
		// A token the server refuses closes the connection; the pane says so.
		browsertest.Step{NewTab: open("ubk_not-a-key"), In: playground.ResultPaneSelector, WaitFor: "WebSocket closed: 4401"},
	)
	cancel()
	id := <-created
	if id == "" || strings.HasPrefix(id, "error") || !strings.Contains(texts[0], id) || !strings.Contains(texts[0], "occurredAt") {
		t.Fatalf("action %q, result pane %q", id, texts[0])
	}
	if strings.Contains(texts[1], `"kind"`) {
		t.Fatalf("non-administrator's pane shows an event: %q", texts[1])
	}
}
