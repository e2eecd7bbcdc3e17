package app_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"userbridge/internal/app"
	"userbridge/internal/edge/budget"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// An outsider against the WebSocket endpoint (graph/ws.go), beside
// subscriptions_test.go: cost evasion through the socket, a second
// connection_init, and a plain user's connections.

// TestOutsiderWSOperationsArePaid: an operation sent over the socket
// spends the budget of the connection's user, as over HTTP; the socket
// is no way around it.
func TestOutsiderWSOperationsArePaid(t *testing.T) {
	w := newWSWorld(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
		c.GraphQL.Complexity = 100
		c.Budget = budget.Settings{Limit: ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 100},
			RefusedCost: 30, Concurrency: 4, MaxWait: 50 * time.Millisecond}
	})
	c := w.connect(t, w.bobTok)
	for i := range 60 {
		c.subscribe(strconv.Itoa(i), `{ viewer { id } }`, nil)
		for done := false; !done; {
			switch m := c.read(); m.Type {
			case "error", "next":
				if strings.Contains(string(m.Payload), "RATE_LIMITED") {
					return // the socket's operations drained the user's bucket
				}
				done = m.Type == "error"
			case "complete":
				done = true
			}
		}
	}
	// Sixty operations of 2 points from a bucket of 100.
	r := w.GraphQL(t, w.bobTok, `{ rateLimit { remaining } }`, nil)
	t.Fatalf("sixty operations over the socket, never refused; rateLimit now %s", r.Data)
}

// TestOutsiderWSSecondInit: a second connection_init on a connection
// ends it (gqlgen closes with 4400, where graphql-transport-ws names
// 4429), so a connection can neither switch to another credential nor
// count twice.
func TestOutsiderWSSecondInit(t *testing.T) {
	w := newWSWorld(t, dbtest.URL(t, dbtest.SQLite))
	c := w.connect(t, w.bobTok)
	c.init(w.adminTok)
	for {
		m, err := c.readErr()
		if err == nil {
			if m.Type == "connection_ack" {
				t.Fatal("a second connection_init was acknowledged")
			}
			continue
		}
		if code := websocket.CloseStatus(err); code != 4400 && code != 4429 {
			t.Fatalf("ended with %v (%v), want 4400 or 4429", code, err)
		}
		return
	}
}

// TestOutsiderWSPlainUserFlood: a user who may subscribe to nothing
// cannot hold more connections by minting keys: narrowed keys of one user
// do not multiply what one user keeps open.
func TestOutsiderWSPlainUserFlood(t *testing.T) {
	w := newWSWorld(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) { c.Subscriptions.ConnectionsPerCredential = 2 })
	open := 0
	for range 4 {
		key := w.Issue(t, accounts.IssueInput{UserEmail: w.bob.Email, Scopes: []string{auth.ScopeIdentity}})
		for range 2 {
			c := w.dial(t, nil)
			c.init(key)
			if m, err := c.readErr(); err == nil && m.Type == "connection_ack" {
				open++
			}
		}
	}
	if open > 2 {
		t.Fatalf("a plain user holds %d connections with 4 keys (2 per credential)", open)
	}
}
