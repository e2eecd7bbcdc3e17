package app_test

// Issue 26, item 5: one key per account for every limit.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/ident"
	"userbridge/internal/store/db/dbtest"
)

// limiters runs f on each database with the limits in memory, and again
// shared through Redis when TEST_REDIS_URL is set, under a prefix of its
// own for each run; limits applies the choice to the configuration.
func limiters(t *testing.T, f func(t *testing.T, url string, limits func(*app.Config))) {
	t.Run("memory", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, url string) { f(t, url, func(*app.Config) {}) })
	})
	t.Run("redis", func(t *testing.T) {
		redisURL := os.Getenv("TEST_REDIS_URL")
		if redisURL == "" {
			t.Skip("set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run it with Redis")
		}
		dbtest.Each(t, func(t *testing.T, url string) { f(t, url, withRedis(redisURL, freshPrefix())) })
	})
}

// freshPrefix is a Redis prefix no other run uses.
func freshPrefix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "userbridge-test:" + hex.EncodeToString(b) + ":"
}

func withRedis(redisURL, prefix string) func(*app.Config) {
	return func(c *app.Config) { c.RedisURL, c.RedisPrefix = redisURL, prefix }
}

const opLogin = `mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}`

// code returns the first error code of an answer, "" for none.
func code(res apptest.GraphQLResponse) string {
	if len(res.Errors) == 0 {
		return ""
	}
	return res.Errors[0].Code()
}

// TestPasswordGuessesBySpellingShareOneBucket: the current-password check
// keyed its bucket with strings.ToLower, login with NFKC case folding, so
// for "straße" they were two buckets and a thief holding a token could
// guess twice as fast. Every attempt at an account's password now spends
// the one bucket login spends, however the address is spelled.
func TestPasswordGuessesBySpellingShareOneBucket(t *testing.T) {
	limiters(t, func(t *testing.T, url string, limits func(*app.Config)) {
		env := apptest.New(t, url, limits, func(c *app.Config) { c.LoginRate = ratelimit.PerMinute(1, 3) })
		u := env.User(t, "straße@example.com")
		tok := env.Token(t, u)
		for i := range 3 {
			res := env.GraphQL(t, "", opLogin, map[string]any{"e": "STRASSE@example.com", "p": "guess-" + string(rune('a'+i))})
			if code(res) != "UNAUTHENTICATED" {
				t.Fatalf("guess %d: %v", i+1, res.Errors)
			}
		}
		t.Run("updateViewer-RATE_LIMITED/the current password of a password change", func(t *testing.T) {
			res := env.GraphQL(t, tok, `mutation{updateViewer(input:{password:"new-pass-123",currentPassword:"guess-d"}){id}}`, nil)
			if code(res) != "RATE_LIMITED" {
				t.Fatalf("a fourth guess through updateViewer: %v", res.Errors)
			}
		})
		t.Run("createApiKey-RATE_LIMITED/the current password of a lasting key", func(t *testing.T) {
			res := env.GraphQL(t, tok, opMintKey, map[string]any{"pw": "guess-e"})
			if code(res) != "RATE_LIMITED" {
				t.Fatalf("a fifth guess through createApiKey: %v", res.Errors)
			}
		})
		t.Run("login-RATE_LIMITED/any spelling", func(t *testing.T) {
			if res := env.GraphQL(t, "", opLogin, map[string]any{"e": "straße@EXAMPLE.com", "p": "password123"}); code(res) != "RATE_LIMITED" {
				t.Fatalf("the right password past the limit: %v", res.Errors)
			}
		})
	})
}

// TestRedisKeysNameNoEmail: the login limiter's keys held e-mail addresses
// in clear ("login:account:alice@example.com"), readable by whoever lists
// Redis's keys. They now hold a hash of the normalised address.
func TestRedisKeysNameNoEmail(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run it")
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	dbtest.Each(t, func(t *testing.T, url string) {
		prefix := freshPrefix()
		env := apptest.New(t, url, withRedis(redisURL, prefix))
		u := env.User(t, "alice.private@example.com")
		env.GraphQL(t, "", opLogin, map[string]any{"e": "Alice.Private@example.com", "p": "wrong-guess"})
		env.GraphQL(t, env.Token(t, u), `mutation{updateViewer(input:{password:"new-pass-123",currentPassword:"wrong"}){id}}`, nil)
		// redis_rate writes its keys under "rate:", then the service's prefix.
		keys, err := rdb.Keys(context.Background(), "*"+prefix+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		hashed := regexp.MustCompile(`^login:account:[0-9a-f]{32}$`)
		accounts := 0
		for _, k := range keys {
			k = k[strings.Index(k, prefix)+len(prefix):]
			if strings.Contains(strings.ToLower(k), "alice") || strings.Contains(k, "example.com") {
				t.Errorf("a Redis key names the e-mail: %q", k)
			}
			if hashed.MatchString(k) {
				accounts++
			}
		}
		if accounts != 1 {
			t.Fatalf("%d hashed account keys among %q, want the one of alice", accounts, keys)
		}
	})
}

// TestMintingKeysDoesNotRefillTheUsersV1Limit: the users-v1 limit was per
// credential, so a user past it minted three keys (GraphQL createApiKey)
// and had 60 more requests. Every credential of a user now also spends the
// user's bucket, and the headers report the tighter of the two.
func TestMintingKeysDoesNotRefillTheUsersV1Limit(t *testing.T) {
	limiters(t, func(t *testing.T, url string, limits func(*app.Config)) {
		env := apptest.New(t, url, limits, func(c *app.Config) { c.APIRate = ratelimit.PerMinute(1, 3) })
		bob, alice := env.User(t, "bob@example.com"), env.User(t, "alice@example.com")
		tok := env.Token(t, bob)
		get := func(token string) *http.Response {
			rec := env.Do(apptest.Request(http.MethodGet, "/v1/users/usr_"+bob.PublicID, token, nil))
			return rec.Result()
		}
		for i := range 3 {
			if r := get(tok); r.StatusCode != 200 {
				t.Fatalf("request %d: %d", i+1, r.StatusCode)
			}
		}
		if r := get(tok); r.StatusCode != 429 {
			t.Fatalf("past the burst: %d", r.StatusCode)
		}
		t.Run("GET-429/a fresh key of the same user", func(t *testing.T) {
			for range 3 {
				key := mint(t, env, tok, "", nil).token
				r := get(key)
				if r.StatusCode != 429 || r.Header.Get("RateLimit-Remaining") != "0" || r.Header.Get("Retry-After") == "" {
					t.Fatalf("a fresh key: %d, Remaining %q", r.StatusCode, r.Header.Get("RateLimit-Remaining"))
				}
			}
		})
		t.Run("GET-200/another user keeps its own bucket", func(t *testing.T) {
			r := env.Do(apptest.Request(http.MethodGet, "/v1/users/usr_"+alice.PublicID, env.Token(t, alice), nil))
			if r.Code != 200 || r.Header().Get("RateLimit-Remaining") != "2" {
				t.Fatalf("%d, Remaining %q", r.Code, r.Header().Get("RateLimit-Remaining"))
			}
		})
	})
}

// TestRedisKeysResistADictionaryOfEmails: the account buckets were named
// by a plain SHA-256 of the normalised address, so whoever listed Redis's
// keys could hash a list of known addresses and learn which accounts were
// being tried. They are now named by a hash keyed with the service secret:
// no plain hash of the address appears, and a service with another secret
// names the same address's bucket differently.
func TestRedisKeysResistADictionaryOfEmails(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run it")
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	const email = "alice.private@example.com"
	plain := map[string]bool{}
	for _, s := range []string{email, ident.Key(email)} {
		sum := sha256.Sum256([]byte(s))
		plain[hex.EncodeToString(sum[:16])], plain[hex.EncodeToString(sum[:])] = true, true
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		bucket := func(t *testing.T, secret string) string {
			prefix := freshPrefix()
			env := apptest.New(t, url, withRedis(redisURL, prefix), func(c *app.Config) { c.Secret = secret })
			env.GraphQL(t, "", opLogin, map[string]any{"e": email, "p": "wrong-guess"})
			keys, err := rdb.Keys(context.Background(), "*"+prefix+"login:account:*").Result()
			if err != nil || len(keys) != 1 {
				t.Fatalf("account keys %q, %v: want one", keys, err)
			}
			k := keys[0]
			return k[strings.LastIndex(k, ":")+1:]
		}
		a := bucket(t, strings.Repeat("a", 32))
		if plain[a] {
			t.Fatalf("the bucket %q is the plain SHA-256 of the address", a)
		}
		if b := bucket(t, strings.Repeat("b", 32)); b == a {
			t.Fatalf("two secrets name the address's bucket alike (%q): the hash is not keyed", a)
		}
	})
}
