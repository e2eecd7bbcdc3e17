package app_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"userbridge/graph"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

func sha(q string) string {
	s := sha256.Sum256([]byte(q))
	return hex.EncodeToString(s[:])
}

// apqBody is a POST body of the APQ protocol: the hash, and the document
// when query is not empty.
func apqBody(query, hash string) string {
	m := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
	if query != "" {
		m["query"] = query
	}
	b, _ := json.Marshal(m)
	return string(b)
}

type apqAnswer struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, env *apptest.Env, token, body string) apqAnswer {
	t.Helper()
	rec := env.Do(apptest.Request(http.MethodPost, "/graphql", token, body))
	var a apqAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	return a
}

func (a apqAnswer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	c, _ := a.Errors[0].Extensions["code"].(string)
	return c
}

// deep is a document of the given depth (viewer { avatar { owner { ... } } }).
func deep(depth int) string {
	return "{ viewer { " + strings.Repeat("avatar { owner { ", depth) + "id" + strings.Repeat(" } }", depth) + " } }"
}

func TestPersistedQueries(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	token := env.Token(t, env.Admin(t, "apq@example.com"))
	query := `query Me { viewer { email } }`
	hash := sha(query)

	t.Run("the protocol: unknown hash, registration, then the hash alone", func(t *testing.T) {
		miss := post(t, env, token, apqBody("", hash))
		if miss.code() != "PERSISTED_QUERY_NOT_FOUND" || miss.Errors[0].Message != "PersistedQueryNotFound" {
			t.Fatalf("miss: %+v", miss)
		}
		reg := post(t, env, token, apqBody(query, hash))
		if len(reg.Errors) != 0 || reg.Data["viewer"] == nil {
			t.Fatalf("registration: %+v", reg)
		}
		hit := post(t, env, token, apqBody("", hash))
		if len(hit.Errors) != 0 || hit.Data["viewer"].(map[string]any)["email"] != "apq@example.com" {
			t.Fatalf("hit: %+v", hit)
		}
	})
	t.Run("GET with the hash alone", func(t *testing.T) {
		ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
		rec := env.Do(apptest.Request(http.MethodGet, "/graphql?extensions="+url.QueryEscape(ext), token, nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"apq@example.com"`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("a persisted document runs as its sender: authorization is the caller's", func(t *testing.T) {
		anon := post(t, env, "", apqBody("", hash))
		if anon.Data["viewer"] != nil {
			t.Fatalf("anonymous caller saw %+v", anon)
		}
	})
	t.Run("a hash that does not match the document is refused and registers nothing", func(t *testing.T) {
		other := sha("something else")
		if a := post(t, env, token, apqBody(query, other)); a.code() != "BAD_USER_INPUT" || a.Data["viewer"] != nil {
			t.Fatalf("accepted: %+v", a)
		}
		if a := post(t, env, token, apqBody("", other)); a.code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Fatalf("registered: %+v", a)
		}
	})
	t.Run("a hostile document is refused at registration and never kept", func(t *testing.T) {
		for _, hostile := range []string{deep(20), "{ " + strings.Repeat("viewer { id } ", 40) + strings.Repeat("a: viewer { id } ", 2) + "}"} {
			h := sha(hostile)
			if a := post(t, env, token, apqBody(hostile, h)); len(a.Errors) == 0 || a.Data["viewer"] != nil {
				t.Fatalf("registration accepted: %+v", a)
			}
			if a := post(t, env, token, apqBody("", h)); a.code() != "PERSISTED_QUERY_NOT_FOUND" {
				t.Fatalf("kept: %+v", a)
			}
		}
	})
	t.Run("no query and no hash is still missing_query", func(t *testing.T) {
		if a := post(t, env, token, `{"variables":{}}`); a.code() != "BAD_USER_INPUT" {
			t.Fatalf("%+v", a)
		}
	})
}

// A document persisted where the limits allowed it (another replica, or
// before the limits were lowered) is measured again on every use.
func TestPersistedQueryStillGuarded(t *testing.T) {
	shared := graph.NewPersistedQueries(10, nil, "", 0, nil)
	lenient := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
		c.PersistedQueryCache = shared
		c.GraphQL.Limits.Depth = 40
	})
	strict := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) { c.PersistedQueryCache = shared })
	hostile := deep(10) // depth 22: over the default 12
	h := sha(hostile)
	if a := post(t, lenient, lenient.Token(t, lenient.Admin(t, "l@example.com")), apqBody(hostile, h)); len(a.Errors) != 0 {
		t.Fatalf("registration under lenient limits: %+v", a)
	}
	if a := post(t, strict, strict.Token(t, strict.Admin(t, "s@example.com")), apqBody("", h)); a.code() != "DEPTH_LIMIT_EXCEEDED" {
		t.Fatalf("the persisted document ran past the limit: %+v", a)
	}
}

// Replicas share registrations through Redis.
func TestPersistedQueriesThroughRedis(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("persisted queries through Redis skipped: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run it")
	}
	prefix := "apqtest-" + rand.Text()[:10] + ":"
	replica := func(limitsDepth int) *apptest.Env {
		return apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
			c.RedisURL, c.RedisPrefix = redisURL, prefix
			if limitsDepth > 0 {
				c.GraphQL.Limits.Depth = limitsDepth
			}
		})
	}
	a, b := replica(40), replica(0)
	query := `query Me { viewer { email } }`
	if r := post(t, a, a.Token(t, a.Admin(t, "a@example.com")), apqBody(query, sha(query))); len(r.Errors) != 0 {
		t.Fatalf("registration on replica a: %+v", r)
	}
	tokB := b.Token(t, b.Admin(t, "b@example.com"))
	if r := post(t, b, tokB, apqBody("", sha(query))); len(r.Errors) != 0 || r.Data["viewer"].(map[string]any)["email"] != "b@example.com" {
		t.Fatalf("hit on replica b: %+v", r)
	}
	hostile := deep(10)
	if r := post(t, a, a.Token(t, a.Admin(t, "a2@example.com")), apqBody(hostile, sha(hostile))); len(r.Errors) != 0 {
		t.Fatalf("registration on lenient replica a: %+v", r)
	}
	if r := post(t, b, tokB, apqBody("", sha(hostile))); r.code() != "DEPTH_LIMIT_EXCEEDED" {
		t.Fatalf("replica b ran a persisted document past its limit: %+v", r)
	}
}

// TestAnonymousCallersRegisterNoPersistedQuery: an anonymous caller's
// document runs but is not kept, so nobody can fill the shared cache (and
// the Redis the login limits share) at no cost.
func TestAnonymousCallersRegisterNoPersistedQuery(t *testing.T) {
	env := apptest.New(t, dbtest.URL(t, dbtest.SQLite))
	query := `query Anonymous { __typename }`
	hash := sha(query)
	if reg := post(t, env, "", apqBody(query, hash)); len(reg.Errors) != 0 || reg.Data["__typename"] != "Query" {
		t.Fatalf("the document itself: %+v", reg)
	}
	if miss := post(t, env, "", apqBody("", hash)); miss.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("registered by an anonymous caller: %+v", miss)
	}
}
