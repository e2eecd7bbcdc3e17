package app_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"userbridge/ent/user"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

const auditSub = `subscription($f: AuditEventFilter) { auditEvents(filter: $f) { kind targetID } }`

// TestSubscriptionAuditEvents: an administrator's subscription receives
// the event of an action; a non-administrator's and a narrowed key's
// subscribe is refused with an error and nothing else.
func TestSubscriptionAuditEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWSWorld(t, url)
		ctx := context.Background()
		admin := w.connect(t, w.adminTok)
		admin.subscribe("1", auditSub, map[string]any{"f": map[string]any{"kinds": []string{"user.created"}}})
		for _, tc := range []struct{ name, token string }{
			{"non-administrator", w.bobTok},
			{"narrowed key", w.Issue(t, accounts.IssueInput{UserEmail: w.admin.Email, Scopes: []string{auth.ScopeIdentity}})},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := w.connect(t, tc.token)
				c.subscribe("1", auditSub, nil)
				// gqlgen answers a resolver's refusal with one result of
				// errors and no data, then complete.
				m := c.read()
				if (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), "FORBIDDEN") ||
					strings.Contains(string(m.Payload), `"kind"`) {
					t.Fatalf("got %s %s, want an error FORBIDDEN and no event", m.Type, m.Payload)
				}
				if m.Type == "next" {
					if m := c.read(); m.Type != "complete" {
						t.Fatalf("after the refusal: %s %s, want complete", m.Type, m.Payload)
					}
				}
			})
		}
		u := w.User(t, "dave@example.com")
		m := admin.read()
		if m.Type != "next" || !strings.Contains(string(m.Payload), `"user.created"`) || !strings.Contains(string(m.Payload), u.PublicID) {
			t.Fatalf("got %+v, want the user.created event of %s", m, u.PublicID)
		}
		_ = ctx
	})
}

// TestSubscriptionTwoReplicas: two services on one PostgreSQL database;
// an action on A reaches a subscriber on B. The latency is logged, not
// asserted.
func TestSubscriptionTwoReplicas(t *testing.T) {
	url := dbtest.URL(t, dbtest.Postgres)
	b := newWSWorld(t, url)
	a := apptest.New(t, url)
	srvA := httptest.NewServer(a.Handler)
	t.Cleanup(srvA.Close)
	sub := b.connect(t, b.adminTok)
	sub.subscribe("1", auditSub, map[string]any{"f": map[string]any{"kinds": []string{"user.created"}}})
	time.Sleep(100 * time.Millisecond) // the subscribe is read before the action
	var latencies []time.Duration
	for i := range 5 {
		start := time.Now()
		u, err := a.Accounts.Bootstrap(context.Background(), accounts.CreateInput{Email: "r" + string(rune('a'+i)) + "@example.com", Password: new("password123")})
		if err != nil {
			t.Fatal(err)
		}
		m := sub.read()
		latencies = append(latencies, time.Since(start))
		var p struct {
			Data struct {
				AuditEvents struct {
					Kind     string
					TargetID string `json:"targetID"`
				}
			} `json:"data"`
		}
		_ = json.Unmarshal(m.Payload, &p)
		if m.Type != "next" || p.Data.AuditEvents.TargetID != u.PublicID {
			t.Fatalf("got %+v, want the event of %s", m, u.PublicID)
		}
	}
	t.Logf("delivery from replica A to a subscriber on B (commit to receipt, includes the action): %v", latencies)
}

// TestSubscriptionDemotedAdmin: an administrator demoted while
// subscribed is disconnected with 4403, on the event of the demotion.
func TestSubscriptionDemotedAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWSWorld(t, url, func(c *app.Config) { c.Subscriptions.Recheck = time.Hour })
		other := w.Admin(t, "other-admin@example.com")
		c := w.connect(t, w.Token(t, other))
		c.subscribe("1", auditSub, map[string]any{"f": map[string]any{"kinds": []string{"user.created"}}})
		time.Sleep(100 * time.Millisecond) // the subscribe is read before the demotion
		if _, _, err := w.Accounts.Update(context.Background(), auth.Operator(), other.ID,
			accounts.UpdateInput{Role: new(user.RoleUser)}); err != nil {
			t.Fatal(err)
		}
		c.closed(4403)
	})
}
