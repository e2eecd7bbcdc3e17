package app_test

// Issue 26, item 3: a credential never mints one that outlives it.

import (
	"context"
	"sync"
	"testing"
	"time"

	"userbridge/ent/credential"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// clock is a settable time for the service (Config.Now): expiry is tested
// by moving it, never by waiting.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const opMintKey = `mutation($ttl:Int,$pw:String){createApiKey(expiresInSeconds:$ttl,currentPassword:$pw){token credential{expiresAt}}}`

// minted is a key createApiKey returned.
type minted struct {
	token   string
	expires *time.Time
}

// mint calls createApiKey with token and vars, and checks that the answer
// has code (none when "").
func mint(t *testing.T, env *apptest.Env, token, code string, vars map[string]any) minted {
	t.Helper()
	res := env.GraphQL(t, token, opMintKey, vars)
	if code != "" {
		if len(res.Errors) == 0 || res.Errors[0].Code() != code {
			t.Fatalf("createApiKey %v: %s %v, want %s", vars, res.Data, res.Errors, code)
		}
		return minted{}
	}
	if len(res.Errors) > 0 {
		t.Fatalf("createApiKey %v: %v", vars, res.Errors)
	}
	var out struct {
		CreateAPIKey struct {
			Token      string
			Credential struct{ ExpiresAt *time.Time }
		} `json:"createApiKey"`
	}
	res.Decode(t, &out)
	return minted{out.CreateAPIKey.Token, out.CreateAPIKey.Credential.ExpiresAt}
}

func expiresAt(t *testing.T, k minted, want time.Time) {
	t.Helper()
	if k.expires == nil || k.expires.Sub(want).Abs() > time.Millisecond {
		t.Fatalf("the key expires at %v, want %v", k.expires, want)
	}
}

func authenticates(t *testing.T, env *apptest.Env, token string) bool {
	t.Helper()
	return len(env.GraphQL(t, token, `{viewer{id}}`, nil).Errors) == 0
}

// TestOneHourTokenCannotMintALastingKey: createApiKey from a one-hour
// token returned a key that never expired, or with expiresInSeconds
// 2147483647 one that expired in 2094. A key now ends with the credential
// that mints it, unless the current password proves a fresh sign-in, and
// never lives longer than MAX_API_KEY_TTL.
func TestOneHourTokenCannotMintALastingKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		clk := newClock()
		env := apptest.New(t, url, func(c *app.Config) { c.Now = clk.Now })
		bob := env.User(t, "bob@example.com")
		hour := env.Issue(t, accounts.IssueInput{UserEmail: bob.Email, TTL: time.Hour})
		parentEnd := clk.Now().Add(time.Hour)
		maxEnd := clk.Now().Add(accounts.DefaultMaxAPIKeyTTL)

		t.Run("createApiKey-ok/without a lifetime the key ends with its parent", func(t *testing.T) {
			expiresAt(t, mint(t, env, hour, "", nil), parentEnd)
		})
		t.Run("createApiKey-ok/the longest lifetime is shortened to the parent's", func(t *testing.T) {
			expiresAt(t, mint(t, env, hour, "", map[string]any{"ttl": 2147483647}), parentEnd)
		})
		t.Run("createApiKey-ok/a shorter lifetime is kept", func(t *testing.T) {
			expiresAt(t, mint(t, env, hour, "", map[string]any{"ttl": 60}), clk.Now().Add(time.Minute))
		})
		t.Run("createApiKey-ok/a key minted by such a key ends with the first parent", func(t *testing.T) {
			child := mint(t, env, hour, "", nil)
			expiresAt(t, mint(t, env, child.token, "", map[string]any{"ttl": 2147483647}), parentEnd)
		})
		t.Run("createApiKey-400/a wrong current password mints nothing", func(t *testing.T) {
			before := env.Store.Client.Credential.Query().Where(credential.UserID(bob.ID)).CountX(context.Background())
			res := env.GraphQL(t, hour, opMintKey, map[string]any{"ttl": 2147483647, "pw": "not-his-password"})
			if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "currentPassword" {
				t.Fatalf("%s %v", res.Data, res.Errors)
			}
			if after := env.Store.Client.Credential.Query().Where(credential.UserID(bob.ID)).CountX(context.Background()); after != before {
				t.Fatalf("%d credentials, were %d", after, before)
			}
		})
		t.Run("createApiKey-ok/with the current password the key outlives its parent, up to the maximum", func(t *testing.T) {
			expiresAt(t, mint(t, env, hour, "", map[string]any{"ttl": 2147483647, "pw": "password123"}), maxEnd)
			expiresAt(t, mint(t, env, hour, "", map[string]any{"pw": "password123"}), maxEnd)
			expiresAt(t, mint(t, env, hour, "", map[string]any{"ttl": 7200, "pw": "password123"}), clk.Now().Add(2*time.Hour))
		})
		t.Run("createApiKey-ok/a parent that never expires mints keys within the maximum", func(t *testing.T) {
			forever := env.Token(t, bob)
			expiresAt(t, mint(t, env, forever, "", nil), maxEnd)
			expiresAt(t, mint(t, env, forever, "", map[string]any{"ttl": 2147483647}), maxEnd)
		})
		t.Run("the keys minted without the password stop with their parent", func(t *testing.T) {
			key := mint(t, env, hour, "", map[string]any{"ttl": 2147483647})
			sudo := mint(t, env, hour, "", map[string]any{"ttl": 7200, "pw": "password123"})
			if !authenticates(t, env, key.token) {
				t.Fatal("a fresh key does not authenticate")
			}
			clk.advance(time.Hour)
			if authenticates(t, env, hour) || authenticates(t, env, key.token) {
				t.Fatal("the parent or its key outlived the hour")
			}
			if !authenticates(t, env, sudo.token) {
				t.Fatal("the key minted with the password stopped with its parent")
			}
		})
	})
}

// TestKeyLifetimeMaximumIsASetting: MAX_API_KEY_TTL bounds every key,
// with or without the current password.
func TestKeyLifetimeMaximumIsASetting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		clk := newClock()
		env := apptest.New(t, url, func(c *app.Config) { c.Now, c.MaxAPIKeyTTL = clk.Now, 48*time.Hour })
		tok := env.Token(t, env.User(t, "bob@example.com"))
		for _, vars := range []map[string]any{nil, {"ttl": 2147483647}, {"ttl": 2147483647, "pw": "password123"}} {
			expiresAt(t, mint(t, env, tok, "", vars), clk.Now().Add(48*time.Hour))
		}
	})
}
