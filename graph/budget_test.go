package graph_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/budget"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

// The cost budget (graph/budget.go, docs/rate-limits.md) through the real
// router. The bucket holds 100 points and refills one an hour, so that
// every figure is exact: { viewer { id } } costs 2, a refused document
// 30, and the complexity limit is lowered to the bucket's size.
const (
	testBucket  = 100
	refusedCost = 30
	viewerID    = `{ viewer { id } }`
)

func budgetEnv(t *testing.T, url string, more ...func(*app.Config)) *apptest.Env {
	t.Helper()
	return apptest.New(t, url, append([]func(*app.Config){func(c *app.Config) {
		c.GraphQL.Complexity = testBucket
		c.Budget = budget.Settings{
			Limit:       ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: testBucket},
			RefusedCost: refusedCost, Concurrency: 4, MaxWait: 50 * time.Millisecond,
		}
	}}, more...)...)
}

// answer is a response with its cost extension.
type answer struct {
	status int
	header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Extensions struct {
		Cost *struct {
			Requested int    `json:"requested"`
			Remaining int    `json:"remaining"`
			Limit     int    `json:"limit"`
			ResetAt   string `json:"resetAt"`
		} `json:"cost"`
	} `json:"extensions"`
}

func (a answer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	s, _ := a.Errors[0].Extensions["code"].(string)
	return s
}

func serve(t *testing.T, e *apptest.Env, req *http.Request) answer {
	t.Helper()
	rec := e.Do(req)
	var a answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("not JSON (%d): %s", rec.Code, rec.Body)
	}
	a.status, a.header = rec.Code, rec.Header()
	return a
}

func post(t *testing.T, e *apptest.Env, token, query string) answer {
	t.Helper()
	return serve(t, e, apptest.Request("POST", "/graphql", token, map[string]any{"query": query}))
}

// remaining asks rateLimit, which spends nothing.
func remaining(t *testing.T, e *apptest.Env, token string) int {
	t.Helper()
	a := post(t, e, token, `{ rateLimit { remaining } }`)
	var d struct{ RateLimit struct{ Remaining int } }
	if err := json.Unmarshal(a.Data, &d); err != nil || a.code() != "" {
		t.Fatalf("rateLimit: %d %s %v", a.status, a.Data, a.Errors)
	}
	return d.RateLimit.Remaining
}

// spend asserts one request's outcome: the points it asked for and what
// is left.
func spend(t *testing.T, a answer, requested, left int) {
	t.Helper()
	if a.Extensions.Cost == nil {
		t.Fatalf("no extensions.cost: %d %s %v", a.status, a.Data, a.Errors)
	}
	if c := a.Extensions.Cost; c.Requested != requested || c.Remaining != left || c.Limit != testBucket {
		t.Fatalf("cost %+v, want requested %d remaining %d limit %d (%d %v)", *c, requested, left, testBucket, a.status, a.Errors)
	}
}

// overBudget asserts a refusal of the budget in both vocabularies.
func overBudget(t *testing.T, a answer) {
	t.Helper()
	if a.status != http.StatusTooManyRequests || a.code() != "RATE_LIMITED" {
		t.Fatalf("%d %v, want 429 RATE_LIMITED", a.status, a.Errors)
	}
	if n, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || n < 1 {
		t.Fatalf("Retry-After %q", a.header.Get("Retry-After"))
	}
	if r, ok := a.Errors[0].Extensions["retryAfter"].(float64); !ok || r < 1 {
		t.Fatalf("extensions.retryAfter %v", a.Errors[0].Extensions["retryAfter"])
	}
	if string(a.Data) != "" && string(a.Data) != "null" {
		t.Fatalf("refused but ran: %s", a.Data)
	}
}

// drain spends token's bucket until a viewer query is refused.
func drain(t *testing.T, e *apptest.Env, token string) {
	t.Helper()
	for range testBucket {
		switch a := post(t, e, token, viewerID); a.code() {
		case "RATE_LIMITED":
			return
		case "":
		default:
			t.Fatalf("draining: %v", a.Errors)
		}
	}
	t.Fatal("the bucket never ran out")
}

// TestBudgetSharedByUsersKeys: every credential of a user spends one
// bucket, a narrowed key included, so minting keys buys no points; another
// user's bucket is untouched; past the budget, 429 and RATE_LIMITED.
func TestBudgetSharedByUsersKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url)
		u := e.User(t, "ann@example.com")
		first, second := e.Token(t, u), e.Token(t, u)
		narrow := e.Issue(t, accounts.IssueInput{UserEmail: u.Email, Scopes: []string{auth.ScopeIdentity}})
		other := e.Token(t, e.User(t, "bob@example.com"))

		spend(t, post(t, e, first, viewerID), 2, 98)
		spend(t, post(t, e, second, viewerID), 2, 96)
		spend(t, post(t, e, narrow, viewerID), 2, 94)
		if got := remaining(t, e, other); got != testBucket {
			t.Fatalf("another user's bucket: %d", got)
		}
		for range 47 {
			post(t, e, first, viewerID)
		}
		overBudget(t, post(t, e, second, viewerID))
		overBudget(t, post(t, e, narrow, viewerID))
		spend(t, post(t, e, other, viewerID), 2, 98)
		if got := refusals(t, e, "budget"); got != 2 {
			t.Fatalf("refusals counted: %v, want 2", got)
		}
	})
}

// refusals reads userbridge_graphql_budget_refusals_total{reason}.
func refusals(t *testing.T, e *apptest.Env, reason string) float64 {
	t.Helper()
	families, err := e.Metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "userbridge_graphql_budget_refusals_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if m.GetLabel()[0].GetValue() == reason {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no refusals counter for %s", reason)
	return 0
}

// TestBudgetOfAnApplication: an application acting alone (Basic) has its
// own bucket; a token it holds for a user spends the user's, the one the
// user's own keys spend.
func TestBudgetOfAnApplication(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url)
		u := e.User(t, "cy@example.com")
		app, secret := e.Application(t, "Dashboard", true, "users:read")
		basic := func(q string) answer {
			req := apptest.Request("POST", "/graphql", "", map[string]any{"query": q})
			req.SetBasicAuth(app.ClientID, secret)
			return serve(t, e, req)
		}
		spend(t, basic(`{ __typename }`), 1, 99)
		spend(t, basic(`{ __typename }`), 1, 98)
		appToken := e.Issue(t, accounts.IssueInput{UserEmail: u.Email, AppID: app.ClientID, Scopes: []string{auth.ScopeIdentity}, Consent: true})
		spend(t, post(t, e, appToken, viewerID), 2, 98)
		spend(t, post(t, e, e.Token(t, u), viewerID), 2, 96)
		spend(t, basic(`{ __typename }`), 1, 97)
	})
}

// TestBudgetPerClientAddress: anonymous requests spend their address's
// bucket, the address TRUSTED_PROXIES defines: a trusted proxy's
// X-Forwarded-For names it, an untrusted peer's is ignored.
func TestBudgetPerClientAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		proxies, err := reqinfo.ParseProxies("10.0.0.0/8")
		if err != nil {
			t.Fatal(err)
		}
		e := budgetEnv(t, url, func(c *app.Config) { c.TrustedProxies = proxies })
		from := func(peer, xff string) answer {
			req := apptest.Request("POST", "/graphql", "", map[string]any{"query": `{ __typename }`})
			req.RemoteAddr = peer + ":4000"
			if xff != "" {
				req.Header.Set("X-Forwarded-For", xff)
			}
			return serve(t, e, req)
		}
		spend(t, from("10.0.0.1", "203.0.113.5"), 1, 99)
		spend(t, from("10.0.0.2", "203.0.113.5"), 1, 98) // another proxy, same client
		spend(t, from("10.0.0.1", "203.0.113.6"), 1, 99)
		spend(t, from("192.0.2.7", "203.0.113.5"), 1, 99) // untrusted peer: its own address
		spend(t, from("192.0.2.7", "203.0.113.9"), 1, 98)
	})
}

// TestRefusalsDrainTheBucket: a document refused before it runs (parse
// error, over complexity, over depth, huge) costs RefusedCost, so a flood
// of refusals ends in RATE_LIMITED like any other.
func TestRefusalsDrainTheBucket(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url)
		tok := e.Token(t, e.User(t, "dee@example.com"))
		a := post(t, e, tok, `{ viewer { id `)
		spend(t, a, refusedCost, 70)
		if a.code() != "GRAPHQL_PARSE_FAILED" {
			t.Fatalf("parse error: %v", a.Errors)
		}
		a = post(t, e, tok, `{ users(first: 100) { edges { node { id email } } } }`)
		spend(t, a, refusedCost, 40)
		if a.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Fatalf("complexity: %v", a.Errors)
		}
		huge := "{ viewer { " + strings.Repeat("id ", 20_000) + "} }"
		spend(t, post(t, e, tok, huge), refusedCost, 10)
		overBudget(t, post(t, e, tok, `{ a { b { c { d { e { f { g { h { i { j { k { l { m } } } } } } } } } } } } }`))
		if got := remaining(t, e, tok); got != 10 {
			t.Fatalf("a refusal of the budget spent points: %d left", got)
		}
	})
}

// TestBudgetOnEveryTransport: GET and POST, a batch, persisted queries and
// multipart uploads all spend, and every answer carries extensions.cost.
func TestBudgetOnEveryTransport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url)
		tok := e.Token(t, e.User(t, "eve@example.com"))
		get := func(q string) answer {
			return serve(t, e, apptest.Request("GET", "/graphql?"+q, tok, nil))
		}
		spend(t, get("query="+urlEscape(viewerID)), 2, 98)
		spend(t, post(t, e, tok, viewerID), 2, 96)
		a := get("query=" + urlEscape(`mutation { deleteViewer }`))
		if a.status != http.StatusMethodNotAllowed {
			t.Fatalf("GET mutation: %d", a.status)
		}
		spend(t, a, refusedCost, 66) // measured at 1 point, refused: RefusedCost in all

		// OPTIONS asks what is allowed: nothing to charge.
		if rec := e.Do(apptest.Request("OPTIONS", "/graphql", tok, nil)); rec.Code != http.StatusNoContent || remaining(t, e, tok) != 66 {
			t.Fatalf("OPTIONS: %d, %d left", rec.Code, remaining(t, e, tok))
		}

		// gqlgen has no batching: an array is refused, and charged.
		batch := `[{"query":"{ viewer { id } }"},{"query":"{ viewer { id } }"}]`
		a = serve(t, e, apptest.Request("POST", "/graphql", tok, batch))
		if a.status != http.StatusBadRequest {
			t.Fatalf("batch: %d %v", a.status, a.Errors)
		}
		spend(t, a, refusedCost, 36)

		// A persisted query spends on every use, by hash alone too.
		sum := sha256.Sum256([]byte(viewerID))
		hash := hex.EncodeToString(sum[:])
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
		spend(t, serve(t, e, apptest.Request("POST", "/graphql", tok, map[string]any{"query": viewerID, "extensions": ext})), 2, 34)
		spend(t, serve(t, e, apptest.Request("POST", "/graphql", tok, map[string]any{"extensions": ext})), 2, 32)
		extJSON, _ := json.Marshal(ext)
		spend(t, get("extensions="+urlEscape(string(extJSON))), 2, 30)

		// A multipart upload spends its mutation's cost.
		a = upload(t, e, tok)
		if a.code() != "" {
			t.Fatalf("upload: %d %v", a.status, a.Errors)
		}
		if c := a.Extensions.Cost; c == nil || c.Requested < 2 || c.Remaining != 30-c.Requested {
			t.Fatalf("upload cost %+v", c)
		}
	})
}

func urlEscape(s string) string { return url.QueryEscape(s) }

// upload sends uploadTemporaryFile as a GraphQL multipart request.
func upload(t *testing.T, e *apptest.Env, tok string) answer {
	t.Helper()
	body, ctype := uploadBody(t, strings.NewReader("\x89PNG\r\n\x1a\n"+strings.Repeat("x", 64)))
	req := httptest.NewRequest("POST", "/graphql", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+tok)
	return serve(t, e, req)
}

// uploadBody is a multipart request of uploadTemporaryFile whose file is
// read from file, streamed through a pipe.
func uploadBody(t *testing.T, file io.Reader) (io.Reader, string) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		ops := `{"query":"mutation($f: Upload!) { uploadTemporaryFile(file: $f) { id } }","variables":{"f":null}}`
		_ = mw.WriteField("operations", ops)
		_ = mw.WriteField("map", `{"0":["variables.f"]}`)
		fw, err := mw.CreateFormFile("0", "a.png")
		if err == nil {
			_, err = io.Copy(fw, file)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType()
}

// TestRateLimitSpendsNothing: rateLimit reports the bucket and its
// settings, and asking for it leaves the bucket as it was.
func TestRateLimitSpendsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url)
		tok := e.Token(t, e.User(t, "fay@example.com"))
		post(t, e, tok, viewerID)
		const q = `{ rateLimit { enabled limit remaining refillPerSecond resetAt refusedCost concurrency } }`
		for range 3 {
			a := post(t, e, tok, q)
			spend(t, a, 0, 98)
			var d struct {
				RateLimit struct {
					Enabled         bool
					Limit           int
					Remaining       int
					RefillPerSecond float64
					ResetAt         time.Time
					RefusedCost     int
					Concurrency     int
				}
			}
			if err := json.Unmarshal(a.Data, &d); err != nil {
				t.Fatal(err)
			}
			r := d.RateLimit
			if !r.Enabled || r.Limit != testBucket || r.Remaining != 98 || r.RefillPerSecond != 1.0/3600 ||
				r.RefusedCost != refusedCost || r.Concurrency != 4 || r.ResetAt.Before(time.Now().Add(time.Hour)) {
				t.Fatalf("rateLimit %+v", r)
			}
		}
		// Selected beside anything else, it is paid like any field.
		spend(t, post(t, e, tok, `{ rateLimit { remaining } viewer { id } }`), 4, 94)
		// A drained client can still ask when to come back.
		drain(t, e, tok)
		if got := remaining(t, e, tok); got > 1 {
			t.Fatalf("after draining: %d", got)
		}
	})
}

// TestBudgetOff: a zero rate turns the points off: nothing is refused,
// and the cost extension says only what was requested.
func TestBudgetOff(t *testing.T) {
	e := budgetEnv(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) { c.Budget.Limit.Rate = 0 })
	tok := e.Token(t, e.User(t, "gus@example.com"))
	for range testBucket {
		if a := post(t, e, tok, viewerID); a.code() != "" || a.Extensions.Cost == nil || a.Extensions.Cost.Requested != 2 || a.Extensions.Cost.Limit != 0 {
			t.Fatalf("%d %v %+v", a.status, a.Errors, a.Extensions.Cost)
		}
	}
	var d struct{ RateLimit struct{ Enabled bool } }
	if a := post(t, e, tok, `{ rateLimit { enabled } }`); json.Unmarshal(a.Data, &d) != nil || d.RateLimit.Enabled {
		t.Fatalf("rateLimit: %s", a.Data)
	}
}

// TestConcurrencyPerClient: a client's requests past its concurrency wait
// in its own queue, and past MaxWait get 429 RATE_LIMITED; another
// client is served meanwhile. An upload whose body never ends holds a
// slot, as a slow client would.
func TestConcurrencyPerClient(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url, func(c *app.Config) { c.Budget.Concurrency = 1 })
		tok := e.Token(t, e.User(t, "hal@example.com"))
		other := e.Token(t, e.User(t, "ida@example.com"))

		pr, pw := io.Pipe()
		body, ctype := uploadBody(t, pr)
		req := httptest.NewRequest("POST", "/graphql", body)
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "Bearer "+tok)
		done := make(chan answer)
		go func() { done <- serveQuiet(e, req) }()
		if _, err := pw.Write([]byte("\x89PNG\r\n\x1a\n")); err != nil { // the upload is in its slot
			t.Fatal(err)
		}

		a := post(t, e, tok, viewerID)
		overBudget(t, a)
		if a.Errors[0].Extensions["reason"] != "concurrency" || refusals(t, e, "concurrency") != 1 {
			t.Fatalf("reason %v, counted %v", a.Errors[0].Extensions["reason"], refusals(t, e, "concurrency"))
		}
		spend(t, post(t, e, other, viewerID), 2, 98)

		_ = pw.Close()
		if up := <-done; up.code() != "" {
			t.Fatalf("upload: %d %v", up.status, up.Errors)
		}
		if a := post(t, e, tok, viewerID); a.code() != "" {
			t.Fatalf("after the upload: %v", a.Errors)
		}
	})
}

// serveQuiet is serve for another goroutine: no t.
func serveQuiet(e *apptest.Env, req *http.Request) answer {
	rec := e.Do(req)
	var a answer
	_ = json.Unmarshal(rec.Body.Bytes(), &a)
	a.status = rec.Code
	return a
}

// TestBudgetSharedThroughRedis: two services on one Redis (two replicas)
// spend one bucket per client.
func TestBudgetSharedThroughRedis(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("budget through Redis skipped: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run it")
	}
	dbURL := dbtest.URL(t, dbtest.SQLite)
	prefix := "userbridge-test:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	shared := func(c *app.Config) { c.RedisURL, c.RedisPrefix = redisURL, prefix }
	a := budgetEnv(t, dbURL, shared)
	b := budgetEnv(t, dbURL, shared, func(c *app.Config) { c.SkipMigrate = true })
	tok := a.Token(t, a.User(t, "jo@example.com"))
	spend(t, post(t, a, tok, viewerID), 2, 98)
	spend(t, post(t, b, tok, viewerID), 2, 96)
	if got := remaining(t, a, tok); got != 96 {
		t.Fatalf("replica a sees %d", got)
	}
	drain(t, b, tok)
	overBudget(t, post(t, a, tok, viewerID))
}

// TestOversizedBodyIsCharged: a body over MAX_JSON_BYTES is refused (413)
// before any GraphQL is read, and still costs a refusal.
func TestOversizedBodyIsCharged(t *testing.T) {
	e := budgetEnv(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) { c.MaxJSONBytes = 1 << 10 })
	tok := e.Token(t, e.User(t, "kim@example.com"))
	body := `{"query":"{ viewer { id } }","variables":{"pad":"` + strings.Repeat("x", 2<<10) + `"}}`
	if rec := e.Do(apptest.Request("POST", "/graphql", tok, body)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got := remaining(t, e, tok); got != testBucket-refusedCost {
		t.Fatalf("%d left after an oversized body, want %d", got, testBucket-refusedCost)
	}
}
