package app_test

// An outsider sends over the WebSocket (graphql-transport-ws) what the
// input limits refuse over HTTP, and hostile frames: each operation must
// be refused exactly as POST /graphql refuses it (the same codes and
// reasons), and each frame the protocol or the size limit refuses must end
// the connection with its code, never crash it or slip through.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// wsLimitsComplexity is the complexity bound of these tests: low, so that
// a page of 100 users exceeds it.
const wsLimitsComplexity = 50

// errorKeys are the code and reason of each error, sorted.
func errorKeys(errs []apptest.GraphQLError) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		r, _ := e.Extensions["reason"].(string)
		out = append(out, e.Code()+"/"+r)
	}
	slices.Sort(out)
	return out
}

// overHTTP posts body (raw bytes, a GraphQL request) with token and
// returns its errors.
func overHTTP(t *testing.T, w *wsWorld, token string, body []byte) []apptest.GraphQLError {
	t.Helper()
	req := apptest.Request(http.MethodPost, "/graphql", token, body)
	rec := w.Do(req)
	var res apptest.GraphQLResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("HTTP answer is not JSON: %d %.200s", rec.Code, rec.Body)
	}
	return res.Errors
}

// overWS sends body as the payload of a subscribe with id over c and
// returns the errors of that operation (an error message, or a next with
// errors) once it completes.
func overWS(t *testing.T, c *wsClient, id string, body []byte) []apptest.GraphQLError {
	t.Helper()
	frame := append([]byte(`{"type":"subscribe","id":"`+id+`","payload":`), body...)
	frame = append(frame, '}')
	writeRaw(t, c, websocket.MessageText, frame)
	var errs []apptest.GraphQLError
	for {
		m := c.read()
		if m.ID != id {
			t.Fatalf("message for another operation: %+v", m)
		}
		switch m.Type {
		case "error":
			var list []apptest.GraphQLError
			if err := json.Unmarshal(m.Payload, &list); err != nil {
				t.Fatalf("error payload: %s", m.Payload)
			}
			errs = append(errs, list...) // gqlgen completes it too
		case "next":
			var res apptest.GraphQLResponse
			if err := json.Unmarshal(m.Payload, &res); err != nil {
				t.Fatalf("next payload: %s", m.Payload)
			}
			errs = append(errs, res.Errors...)
		case "complete":
			return errs
		default:
			t.Fatalf("unexpected %+v", m)
		}
	}
}

func writeRaw(t *testing.T, c *wsClient, typ websocket.MessageType, b []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, typ, b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// nested is a value nesting {"not": ...} n deep around {}.
func nested(n int) string {
	return strings.Repeat(`{"not":`, n) + `{}` + strings.Repeat(`}`, n)
}

// TestWSInputLimitsAsOverHTTP: every input and document limit refuses an
// operation sent over the socket with the codes and reasons it has over
// HTTP, and the connection goes on serving.
func TestWSInputLimitsAsOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWSWorld(t, url, func(c *app.Config) { c.GraphQL.Complexity = wsLimitsComplexity })
		c := w.connect(t, w.bobTok)
		deep := "id"
		for range 14 { // User.avatar: File, File.owner: User
			deep = "avatar { owner { " + deep + " } }"
		}
		aliases := make([]string, 40)
		for i := range aliases {
			aliases[i] = fmt.Sprintf("a%d: viewer { id }", i)
		}
		ids := make([]string, 10_001)
		for i := range ids {
			ids[i] = `"x"`
		}
		tokens := strings.Repeat("a ", 16_000) // over TOKEN_LIMIT (15,000), within the message limit
		body := func(query string, vars string) []byte {
			q, _ := json.Marshal(query)
			if vars == "" {
				return []byte(`{"query":` + string(q) + `}`)
			}
			return []byte(`{"query":` + string(q) + `,"variables":` + vars + `}`)
		}
		cases := []struct {
			name string
			body []byte
		}{
			{"depth", body(`{ viewer { `+deep+` } }`, "")},
			{"aliases", body(`{ `+strings.Join(aliases, " ")+` }`, "")},
			{"complexity", body(`{ users(first: 100) { edges { node { id files(first: 100) { edges { node { id } } } } } } }`, "")},
			{"tokens", body(`{ `+tokens+` }`, "")},
			{"MaxInputValues", body(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, `{"ids":[`+strings.Join(ids, ",")+`]}`)},
			{"input depth", body(`query($w: UserWhereInput) { users(where: $w) { totalCount } }`, `{"w":`+nested(40)+`}`)},
			{"deeply nested variables", body(`query($w: UserWhereInput) { users(where: $w) { totalCount } }`, `{"w":`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+`}`)},
			{"NUL in a variable", body(`query($e: String!) { users(where: {email: $e}) { totalCount } }`, `{"e":"a\u0000b"}`)},
			{"NUL in the document", body("{ viewer { id } }\u0000", "")},
			{"escaped lone surrogate", body(`query($e: String!) { users(where: {email: $e}) { totalCount } }`, `{"e":"\udc00"}`)},
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				want := errorKeys(overHTTP(t, w, w.bobTok, tc.body))
				if len(want) == 0 {
					t.Fatalf("HTTP accepted it: the case tests nothing")
				}
				got := errorKeys(overWS(t, c, strconv.Itoa(i+1), tc.body))
				if !slices.Equal(got, want) {
					t.Fatalf("over the socket %v, over HTTP %v", got, want)
				}
			})
		}
		// The connection still serves after every refusal.
		if errs := overWS(t, c, "last", body(`{ viewer { id } }`, "")); len(errs) != 0 {
			t.Fatalf("a plain query after the refusals: %v", errs)
		}
	})
}

// TestWSHostileFrames: frames the protocol or the size limit refuses end
// the connection with their close code.
func TestWSHostileFrames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWSWorld(t, url)
		t.Run("1 MiB payload", func(t *testing.T) {
			c := w.connect(t, w.bobTok)
			q, _ := json.Marshal("{ viewer { id } }" + strings.Repeat(" ", 1<<20))
			writeRaw(t, c, websocket.MessageText, []byte(`{"type":"subscribe","id":"1","payload":{"query":`+string(q)+`}}`))
			c.closed(websocket.StatusMessageTooBig)
		})
		t.Run("100,000-item variables", func(t *testing.T) {
			c := w.connect(t, w.bobTok)
			items := strings.TrimSuffix(strings.Repeat("1,", 100_000), ",")
			writeRaw(t, c, websocket.MessageText, []byte(`{"type":"subscribe","id":"1","payload":{"query":"query($v: [Int!]) { viewer { id } }","variables":{"v":[`+items+`]}}}`))
			c.closed(websocket.StatusMessageTooBig)
		})
		t.Run("invalid UTF-8 frame", func(t *testing.T) {
			c := w.connect(t, w.bobTok)
			writeRaw(t, c, websocket.MessageText, []byte("\xff\xfe{\"type\":\"ping\"}"))
			c.closed(4400)
		})
		// encoding/json would read the bytes as U+FFFD and store them: a
		// text frame must be UTF-8 (RFC 6455).
		t.Run("invalid UTF-8 in a name", func(t *testing.T) {
			c := w.connect(t, w.bobTok)
			writeRaw(t, c, websocket.MessageText, []byte("{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":{\"query\":\"mutation($n: String!) { updateViewer(input: {firstName: $n}) { id } }\",\"variables\":{\"n\":\"Bob\xc3\"}}}"))
			c.closed(4400)
			// Over HTTP the body is refused as invalid text.
			errs := overHTTP(t, w, w.bobTok, []byte("{\"query\":\"mutation($n: String!) { updateViewer(input: {firstName: $n}) { id } }\",\"variables\":{\"n\":\"Bob\xc3\"}}"))
			if got := errorKeys(errs); !slices.Equal(got, []string{"BAD_USER_INPUT/invalid_text"}) {
				t.Fatalf("over HTTP: %v", got)
			}
			if got := w.reload(t, w.bob.ID); strings.ContainsRune(got.FirstName, '\uFFFD') {
				t.Fatalf("first name stored as %q", got.FirstName)
			}
		})
		t.Run("not JSON", func(t *testing.T) {
			c := w.connect(t, w.bobTok)
			writeRaw(t, c, websocket.MessageText, []byte(`{"type":"subscribe","id":"1",`))
			c.closed(4400)
		})
		t.Run("binary frame", func(t *testing.T) {
			c := w.connect(t, w.bobTok)
			writeRaw(t, c, websocket.MessageBinary, []byte(`{"type":"ping"}`))
			if m, err := c.readErr(); err == nil {
				// A binary frame read as a message is answered like a text one.
				if m.Type != "pong" {
					t.Fatalf("binary ping answered %+v", m)
				}
			}
		})
		t.Run("NUL frame", func(t *testing.T) {
			c := w.connect(t, w.bobTok)
			writeRaw(t, c, websocket.MessageText, []byte{0})
			c.closed(4400)
		})
		// graphql-transport-ws: 4401 Unauthorized; nothing runs.
		t.Run("subscribe before connection_init", func(t *testing.T) {
			c := w.dial(t, nil)
			c.subscribe("1", `mutation { deleteViewer }`, nil)
			if before := c.closed(4401); len(before) != 0 {
				t.Fatalf("answered before closing: %+v", before)
			}
		})
		t.Run("duplicate subscription ids", func(t *testing.T) {
			c := w.connect(t, w.adminTok)
			c.subscribe("dup", `subscription { auditEvents { kind } }`, nil)
			c.subscribe("dup", `subscription { auditEvents { kind } }`, nil)
			closedWithin(t, c, 10*time.Second, 4409)
		})
	})
}

// closedWithin expects c to close with code within d (a live
// subscription keeps a connection open for ever).
func closedWithin(t *testing.T, c *wsClient, d time.Duration, code websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		_, b, err := c.conn.Read(ctx)
		if err != nil {
			if got := websocket.CloseStatus(err); got != code {
				t.Fatalf("connection ended with %v (%v), want close code %d", got, err, code)
			}
			return
		}
		if strings.Contains(string(b), `"ping"`) {
			c.send(map[string]any{"type": "pong"})
		}
	}
}
