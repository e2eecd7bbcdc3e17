package app_test

// The WebSocket endpoint of /graphql (graph/ws.go): who may connect, its
// limits and close codes, and that a connection ends when its credential
// stops being good. subscriptions_audit_test.go subscribes to auditEvents.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"userbridge/ent"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// wsWorld is a service behind a real HTTP server, for WebSockets.
type wsWorld struct {
	*world
	srv *httptest.Server
}

func newWSWorld(t *testing.T, url string, options ...func(*app.Config)) *wsWorld {
	t.Helper()
	w := &world{Env: apptest.New(t, url, options...)}
	w.admin = w.Admin(t, "admin@example.com")
	w.bob = w.User(t, "bob@example.com")
	w.adminTok, w.bobTok = w.Token(t, w.admin), w.Token(t, w.bob)
	srv := httptest.NewServer(w.Handler)
	t.Cleanup(srv.Close)
	select {
	case <-w.AuditFanout().Listening():
	case <-time.After(30 * time.Second):
		t.Fatal("the fan-out never started listening")
	}
	return &wsWorld{world: w, srv: srv}
}

// wsClient is one graphql-transport-ws connection.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

// dial opens a WebSocket to /graphql with the headers given; it fails the
// test unless the upgrade succeeds.
func (w *wsWorld) dial(t *testing.T, header http.Header) *wsClient {
	t.Helper()
	c, resp, err := w.tryDial(header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial: %v (HTTP %d)", err, status)
	}
	cl := &wsClient{t: t, conn: c}
	t.Cleanup(func() { _ = c.CloseNow() })
	return cl
}

func (w *wsWorld) tryDial(header http.Header) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(w.srv.URL, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header})
}

// connect dials and sends connection_init with token (none when empty),
// and expects connection_ack.
func (w *wsWorld) connect(t *testing.T, token string) *wsClient {
	t.Helper()
	c := w.dial(t, nil)
	c.init(token)
	if m := c.read(); m.Type != "connection_ack" {
		t.Fatalf("after connection_init: %+v, want connection_ack", m)
	}
	return c
}

type wsMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func (c *wsClient) send(m any) {
	c.t.Helper()
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *wsClient) init(token string) {
	c.t.Helper()
	payload := map[string]any{}
	if token != "" {
		payload["Authorization"] = "Bearer " + token
	}
	c.send(map[string]any{"type": "connection_init", "payload": payload})
}

func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	c.send(map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": query, "variables": vars}})
}

// readErr reads the next message other than a ping (answered), or the
// error that ended the connection, within a generous timeout.
func (c *wsClient) readErr() (wsMessage, error) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, b, err := c.conn.Read(ctx)
		cancel()
		if err != nil {
			return wsMessage{}, err
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatalf("not JSON: %q", b)
		}
		if m.Type == "ping" {
			c.send(map[string]any{"type": "pong"})
			continue
		}
		return m, nil
	}
}

func (c *wsClient) read() wsMessage {
	c.t.Helper()
	m, err := c.readErr()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

// closed expects the connection to end with code; messages before the
// close (an error for a subscription) are returned.
func (c *wsClient) closed(code websocket.StatusCode) []wsMessage {
	c.t.Helper()
	var before []wsMessage
	for {
		m, err := c.readErr()
		if err == nil {
			before = append(before, m)
			continue
		}
		if got := websocket.CloseStatus(err); got != code {
			c.t.Fatalf("connection ended with %v (%v), want close code %d; messages before: %+v", got, err, code, before)
		}
		return before
	}
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// TestWebSocketConnectionInit: connection_init authenticates with the
// token in its payload or the upgrade's Authorization header; without
// either, or with a bad one, the connection closes with 4401 and nothing
// else is said.
func TestWebSocketConnectionInit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWSWorld(t, url)
		t.Run("token in payload", func(t *testing.T) { w.connect(t, w.adminTok) })
		t.Run("token in header", func(t *testing.T) {
			c := w.dial(t, bearer(w.adminTok))
			c.init("")
			if m := c.read(); m.Type != "connection_ack" {
				t.Fatalf("got %+v", m)
			}
		})
		t.Run("anonymous", func(t *testing.T) {
			c := w.dial(t, nil)
			c.init("")
			if msgs := c.closed(4401); len(msgs) != 0 {
				t.Fatalf("anonymous connection was told %+v", msgs)
			}
		})
		t.Run("wrong token", func(t *testing.T) {
			c := w.dial(t, nil)
			c.init("ub_" + strings.Repeat("x", 40))
			c.closed(4401)
		})
		t.Run("not a bearer", func(t *testing.T) {
			c := w.dial(t, nil)
			c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Basic Zm9vOmJhcg=="}})
			c.closed(4401)
		})
		t.Run("bad header on the upgrade", func(t *testing.T) {
			_, resp, err := w.tryDial(bearer("ub_nonsense"))
			if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("upgrade with a bad Authorization header: err %v, resp %+v; want 401", err, resp)
			}
		})
		t.Run("subscribe before init", func(t *testing.T) {
			c := w.dial(t, nil)
			c.subscribe("1", `subscription { __typename }`, nil)
			c.closed(4401)
		})
	})
}

// TestWebSocketUpgradeRefusals: a page on another origin, a client that
// does not speak graphql-transport-ws, are refused before the upgrade.
func TestWebSocketUpgradeRefusals(t *testing.T) {
	w := newWSWorld(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
		c.CORSOrigins = []string{"https://allowed.example"}
	})
	for _, tc := range []struct {
		name   string
		header http.Header
		proto  []string
		want   int
	}{
		{"foreign origin", http.Header{"Origin": {"https://evil.example"}}, nil, http.StatusForbidden},
		{"sibling origin", http.Header{"Origin": {"https://userbridge.test.evil.example"}}, nil, http.StatusForbidden},
		{"null origin", http.Header{"Origin": {"null"}}, nil, http.StatusForbidden},
		{"older protocol only", nil, []string{"graphql-ws"}, http.StatusBadRequest},
		{"no protocol", nil, []string{}, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proto := tc.proto
			if proto == nil {
				proto = []string{"graphql-transport-ws"}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(w.srv.URL, "http")+"/graphql",
				&websocket.DialOptions{Subprotocols: proto, HTTPHeader: tc.header})
			if err == nil || resp == nil || resp.StatusCode != tc.want {
				t.Fatalf("err %v, resp %+v; want HTTP %d", err, resp, tc.want)
			}
		})
	}
	for _, origin := range []string{apptest.PublicURL, "https://allowed.example", w.srv.URL} {
		t.Run("origin "+origin, func(t *testing.T) {
			c := w.dial(t, http.Header{"Origin": {origin}})
			c.init(w.adminTok)
			if m := c.read(); m.Type != "connection_ack" {
				t.Fatalf("got %+v", m)
			}
		})
	}
}

// TestWebSocketLimits: connections per credential (a setting), the
// connection_init deadline, the size of a message.
func TestWebSocketLimits(t *testing.T) {
	w := newWSWorld(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
		c.Subscriptions.ConnectionsPerCredential = 2
		c.Subscriptions.InitTimeout = 300 * time.Millisecond
		c.Subscriptions.MaxMessageBytes = 4096
	})
	t.Run("connections per credential", func(t *testing.T) {
		a, b := w.connect(t, w.adminTok), w.connect(t, w.adminTok)
		third := w.dial(t, nil)
		third.init(w.adminTok)
		third.closed(4429)
		// Another credential of the same user shares the user's count.
		other := w.dial(t, nil)
		other.init(w.Token(t, w.admin))
		other.closed(4429)
		// A connection that ends gives its place back.
		_ = a.conn.Close(websocket.StatusNormalClosure, "")
		var ok bool
		for range 100 {
			c, _, err := w.tryDial(nil)
			if err != nil {
				t.Fatal(err)
			}
			cl := &wsClient{t: t, conn: c}
			cl.init(w.adminTok)
			m, err := cl.readErr()
			_ = c.CloseNow()
			if err == nil && m.Type == "connection_ack" {
				ok = true
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !ok {
			t.Fatal("a closed connection never gave its place back")
		}
		_ = b
	})
	t.Run("init timeout", func(t *testing.T) {
		c := w.dial(t, nil)
		c.closed(4408)
	})
	t.Run("message size", func(t *testing.T) {
		c := w.connect(t, w.Token(t, w.admin))
		c.subscribe("1", `subscription { __typename }`+strings.Repeat(" ", 8192), nil)
		c.closed(websocket.StatusMessageTooBig)
	})
}

// TestWebSocketRevokedCredential: a connection whose credential is
// revoked, or whose user is banned, is closed with 4401 — at once, on
// the audit event of the revocation, not at the next periodic check (set
// to an hour here).
func TestWebSocketRevokedCredential(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWSWorld(t, url, func(c *app.Config) { c.Subscriptions.Recheck = time.Hour })
		ctx := context.Background()
		t.Run("revoked", func(t *testing.T) {
			tok := w.Token(t, w.admin)
			c := w.connect(t, tok)
			cred := credentialOf(t, w.Auth, tok)
			if _, err := w.Accounts.Revoke(ctx, auth.Operator(), cred.ID); err != nil {
				t.Fatal(err)
			}
			c.closed(4401)
		})
		t.Run("banned", func(t *testing.T) {
			u := w.User(t, "carol@example.com")
			c := w.connect(t, w.Token(t, u))
			if _, err := w.Accounts.Ban(ctx, auth.Operator(), u.ID); err != nil {
				t.Fatal(err)
			}
			c.closed(4401)
		})
		t.Run("expired", func(t *testing.T) {
			tok := w.Token(t, w.admin)
			cred := credentialOf(t, w.Auth, tok)
			w.Store.Client.Credential.UpdateOneID(cred.ID).SetExpiresAt(time.Now().Add(3 * time.Second)).ExecX(ctx)
			c := w.connect(t, tok)
			c.closed(4401)
		})
	})
}

// credentialOf returns the credential a token names.
func credentialOf(t *testing.T, a *auth.Authenticator, token string) *ent.Credential {
	t.Helper()
	v, err := a.Authenticate(context.Background(), "Bearer "+token)
	if err != nil || v == nil || v.Credential == nil {
		t.Fatalf("token names no credential: %v", err)
	}
	return v.Credential
}

var _ = errors.New
