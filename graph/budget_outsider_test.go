package graph_test

import (
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/passwords"
	"userbridge/internal/store/db/dbtest"
)

// An outsider against the cost budget (graph/budget.go): ways to be
// served without paying, or to get a second bucket. Figures as in
// budget_test.go: a bucket of 100 that does not refill during a test.

// TestOutsiderFreeQueryCarriesNothing: only a document that is nothing
// but one rateLimit field is free. The same field beside another
// operation (whose text is parsed and validated all the same), selected
// again under aliases (each one reads the bucket, in Redis a round trip),
// or through a fragment is paid like any field.
func TestOutsiderFreeQueryCarriesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url)
		tok := e.Token(t, e.User(t, "free@example.com"))
		var heavy strings.Builder
		heavy.WriteString("query Padding { ")
		for i := range 30 {
			fmt.Fprintf(&heavy, "v%d: viewer { id email username firstName lastName role flags } ", i)
		}
		heavy.WriteString("}")
		padded := map[string]any{"query": "query Free { rateLimit { remaining } } " + heavy.String(), "operationName": "Free"}
		a := serve(t, e, apptest.Request("POST", "/graphql", tok, padded))
		if a.Extensions.Cost == nil || a.Extensions.Cost.Requested == 0 {
			t.Fatalf("rateLimit beside another operation was free: %d %+v %v", a.status, a.Extensions.Cost, a.Errors)
		}
		left := a.Extensions.Cost.Remaining
		for name, q := range map[string]string{
			"aliases":                        `{ a: rateLimit { remaining } b: rateLimit { limit } c: rateLimit { resetAt } }`,
			"fragment":                       `query { ...F } fragment F on Query { rateLimit { remaining } }`,
			"with an unused fragment's text": `query Free { rateLimit { remaining } } query Other { ...F } fragment F on Query { viewer { id } }`,
		} {
			body := map[string]any{"query": q}
			if strings.HasPrefix(q, "query Free") {
				body["operationName"] = "Free"
			}
			a := serve(t, e, apptest.Request("POST", "/graphql", tok, body))
			if a.Extensions.Cost == nil || a.Extensions.Cost.Requested == 0 || a.Extensions.Cost.Remaining >= left {
				t.Errorf("%s: free (%d %+v %v)", name, a.status, a.Extensions.Cost, a.Errors)
			}
			if a.Extensions.Cost != nil {
				left = a.Extensions.Cost.Remaining
			}
		}
		// The one free form still answers, drained or not.
		if got := remaining(t, e, tok); got != left {
			t.Fatalf("rateLimit alone: %d, want %d", got, left)
		}
		spend(t, post(t, e, tok, `query Q { __typename rateLimit { remaining limit } }`), 0, left)
	})
}

// TestOutsiderCostEvasion: a variable's default, @skip and @include, and
// GET instead of POST measure an operation as the literal would.
func TestOutsiderCostEvasion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url)
		tok := e.Token(t, e.User(t, "evade@example.com"))
		const page = `{ users(first: 10) { edges { node { id } } } }` // 1 + 10 × 3
		spend(t, post(t, e, tok, page), 31, 69)
		spend(t, post(t, e, tok, `query($n: Int = 10) { users(first: $n) { edges { node { id } } } }`), 31, 38)
		spend(t, post(t, e, tok, `{ __typename users(first: 10) @skip(if: true) { edges { node { id } } } }`), 32, 6)
		a := serve(t, e, apptest.Request("GET", "/graphql?query="+urlEscape(page), tok, nil))
		overBudget(t, a) // 31 asked, 6 left
	})
}

// TestOutsiderAddressSpoofing: without TRUSTED_PROXIES no header names
// the client: an anonymous caller rotating X-Forwarded-For, X-Real-IP or
// Forwarded spends its peer's one bucket, and an IPv6 caller rotating
// addresses within its /64 spends one bucket too.
func TestOutsiderAddressSpoofing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url)
		from := func(peer string, header, value string) answer {
			req := apptest.Request("POST", "/graphql", "", map[string]any{"query": `{ __typename }`})
			req.RemoteAddr = peer
			if header != "" {
				req.Header.Set(header, value)
			}
			return serve(t, e, req)
		}
		left := testBucket
		for i, h := range []string{"X-Forwarded-For", "X-Real-IP", "Forwarded", "X-Forwarded-For", "True-Client-IP", "CF-Connecting-IP"} {
			v := fmt.Sprintf("198.51.100.%d", i)
			if h == "Forwarded" {
				v = "for=" + v
			}
			left--
			spend(t, from("192.0.2.50:1234", h, v), 1, left)
		}
		left = testBucket
		for i := range 5 {
			left--
			spend(t, from(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), "", ""), 1, left)
		}
		spend(t, from("[2001:db8:1:3::1]:443", "", ""), 1, testBucket-1) // another /64
	})
}

// TestOutsiderRotatingCredentials: a user's narrowed keys, an
// application's tokens for the user, and an application's
// client-credentials tokens beside its secret buy neither points nor
// slots.
func TestOutsiderRotatingCredentials(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url)
		u := e.User(t, "rot@example.com")
		app, secret := e.Application(t, "Rotator", true)
		ccToken := func() string {
			req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader("grant_type=client_credentials&scope=identity"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(app.ClientID, secret)
			rec := e.Do(req)
			var out struct {
				AccessToken string `json:"access_token"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.AccessToken == "" {
				t.Fatalf("client credentials: %d %s", rec.Code, rec.Body)
			}
			return out.AccessToken
		}
		left := testBucket
		for range 3 {
			left -= 2
			spend(t, post(t, e, e.Issue(t, accounts.IssueInput{UserEmail: u.Email, Scopes: []string{auth.ScopeIdentity}}), viewerID), 2, left)
			left -= 2
			spend(t, post(t, e, e.Issue(t, accounts.IssueInput{UserEmail: u.Email, AppID: app.ClientID,
				Scopes: []string{auth.ScopeIdentity}, Consent: true}), viewerID), 2, left)
		}
		appLeft := testBucket
		for range 3 {
			appLeft--
			spend(t, post(t, e, ccToken(), `{ __typename }`), 1, appLeft)
		}
		req := apptest.Request("POST", "/graphql", "", map[string]any{"query": `{ __typename }`})
		req.SetBasicAuth(app.ClientID, secret)
		spend(t, serve(t, e, req), 1, appLeft-1)
	})
}

// TestOutsiderRace: two requests of one client at once, each wanting
// more than half the bucket: one is served, the other refused; the bucket
// is never spent twice over.
func TestOutsiderRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url)
		tok := e.Token(t, e.User(t, "race@example.com"))
		const q = `{ users(first: 19) { edges { node { id } } } }` // 58
		var wg sync.WaitGroup
		got := make([]answer, 2)
		for i := range got {
			wg.Go(func() {
				got[i] = serveQuiet(e, apptest.Request("POST", "/graphql", tok, map[string]any{"query": q}))
			})
		}
		wg.Wait()
		served, refused := 0, 0
		for _, a := range got {
			switch a.status {
			case http.StatusOK:
				served++
			case http.StatusTooManyRequests:
				refused++
			}
		}
		if served != 1 || refused != 1 {
			t.Fatalf("served %d, refused %d: %+v", served, refused, got)
		}
		if left := remaining(t, e, tok); left != testBucket-58 {
			t.Fatalf("%d left", left)
		}
	})
}

// TestOutsiderTransports: a batch inside a multipart request, an OPTIONS
// request carrying an oversized body, and a bearer token of a megabyte
// are refused; the first two are charged as refusals.
func TestOutsiderTransports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := budgetEnv(t, url, func(c *app.Config) { c.MaxJSONBytes = 1 << 10 })
		tok := e.Token(t, e.User(t, "trans@example.com"))

		var body strings.Builder
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("operations", `[{"query":"{ viewer { id } }"},{"query":"{ viewer { id } }"}]`)
		_ = mw.WriteField("map", `{}`)
		_ = mw.Close()
		req := httptest.NewRequest("POST", "/graphql", strings.NewReader(body.String()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+tok)
		a := serve(t, e, req)
		if a.status != http.StatusBadRequest || len(a.Data) > 0 && string(a.Data) != "null" {
			t.Fatalf("multipart batch: %d %s %v", a.status, a.Data, a.Errors)
		}
		spend(t, a, refusedCost, testBucket-refusedCost)

		big := httptest.NewRequest("OPTIONS", "/graphql", strings.NewReader(strings.Repeat("x", 2<<10)))
		big.Header.Set("Authorization", "Bearer "+tok)
		if rec := e.Do(big); rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("OPTIONS with a large body: %d", rec.Code)
		}
		if got := remaining(t, e, tok); got != testBucket-2*refusedCost {
			t.Fatalf("an OPTIONS request with an oversized body was free: %d left", got)
		}

		huge := apptest.Request("POST", "/graphql", "", map[string]any{"query": viewerID})
		huge.Header.Set("Authorization", "Bearer uba_"+strings.Repeat("A", 1<<20))
		if rec := e.Do(huge); rec.Code != http.StatusUnauthorized {
			t.Fatalf("a megabyte token: %d %.200s", rec.Code, rec.Body)
		}
	})
}

// TestOutsiderImportedSecretGuesses: a refused credential is answered
// before any bucket is known, which the budget's page prices at one
// indexed lookup. An application imported with a legacy secret hash
// (bcrypt up to cost 10) is checked with that slow hash on every Basic
// attempt until its first success: an anonymous caller who knows its
// client id (public, it is in every authorization URL) pays nothing
// for a bcrypt per request, and guesses the legacy secret unbounded.
// Past the login limit, such guesses must be refused, counted per
// application and client address; a native secret is never counted.
func TestOutsiderImportedSecretGuesses(t *testing.T) {
	const limit = 5
	limiters := []string{""}
	if r := os.Getenv("TEST_REDIS_URL"); r != "" {
		limiters = append(limiters, r)
	}
	for _, b := range []dbtest.Backend{dbtest.SQLite, dbtest.Postgres} {
		for _, redis := range limiters {
			name := string(b) + "/memory"
			if redis != "" {
				name = string(b) + "/redis"
			}
			t.Run(name, func(t *testing.T) { importedSecretGuesses(t, dbtest.URL(t, b), redis, limit) })
		}
	}
}

func importedSecretGuesses(t *testing.T, url, redis string, limit int) {
	e := budgetEnv(t, url, func(c *app.Config) {
		c.LoginRate = ratelimit.PerMinute(limit, limit)
		c.RedisURL = redis
	})
	legacy, _ := e.Application(t, "Legacy", true)
	native, nativeSecret := e.Application(t, "Native", true)
	hash, err := bcrypt.GenerateFromPassword([]byte("legacy-secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := auth.ImportedSecretHash(passwords.Spec{Algorithm: "bcrypt", Value: string(hash)})
	if err != nil {
		t.Fatal(err)
	}
	e.Store.Client.Application.UpdateOne(legacy).SetSecretHash(stored).ExecX(t.Context())
	try := func(clientID, secret, addr string) int {
		req := apptest.Request("POST", "/graphql", "", map[string]any{"query": `{ __typename }`})
		req.SetBasicAuth(clientID, secret)
		req.RemoteAddr = addr + ":1234"
		return e.Do(req).Code
	}
	for i := range limit {
		if code := try(legacy.ClientID, "guess", "192.0.2.99"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i+1, code)
		}
	}
	// Past the limit the attempt is refused like a wrong secret without
	// the bcrypt: even the right secret is refused from this address.
	if code := try(legacy.ClientID, "legacy-secret", "192.0.2.99"); code != http.StatusUnauthorized {
		t.Fatalf("right secret past the limit: %d, want 401", code)
	}
	// Another address has its own bucket: the guesser cannot lock the
	// application out; its success restores a native hash, never counted.
	if code := try(legacy.ClientID, "legacy-secret", "198.51.100.7"); code != http.StatusOK {
		t.Fatalf("legacy secret from another address: %d", code)
	}
	for i := range 2 * limit {
		if code := try(legacy.ClientID, "guess", "198.51.100.7"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d after the restore: %d, want 401", i+1, code)
		}
	}
	// A native secret is never counted, from the limited address too.
	for i := range 2 * limit {
		if code := try(native.ClientID, "guess", "192.0.2.99"); code != http.StatusUnauthorized {
			t.Fatalf("native guess %d: %d, want 401", i+1, code)
		}
	}
	if code := try(native.ClientID, nativeSecret, "192.0.2.99"); code != http.StatusOK {
		t.Fatalf("native secret: %d", code)
	}
}
