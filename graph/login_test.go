package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/store/db/dbtest"
)

func TestLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url, func(c *app.Config) { c.LoginRate = ratelimit.PerMinute(5, 5) })
		env.User(t, "ada@example.com")
		const q = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { email } } }`

		t.Run("right password gives a working token", func(t *testing.T) {
			res := env.GraphQL(t, "", q, map[string]any{"e": "ADA@example.com", "p": "password123"})
			var got struct{ Login struct{ Token string } }
			res.Decode(t, &got)
			if len(res.Errors) != 0 || !strings.HasPrefix(got.Login.Token, "uba_") {
				t.Fatalf("%s %v", res.Data, res.Errors)
			}
			if r := env.GraphQL(t, got.Login.Token, `{ viewer { email } }`, nil); string(r.Data) != `{"viewer":{"email":"ada@example.com"}}` {
				t.Fatalf("token: %s %v", r.Data, r.Errors)
			}
		})

		t.Run("unknown e-mail and wrong password answer the same", func(t *testing.T) {
			wrong := env.GraphQL(t, "", q, map[string]any{"e": "ada@example.com", "p": "nope-nope"})
			unknown := env.GraphQL(t, "", q, map[string]any{"e": "who@example.com", "p": "nope-nope"})
			if len(wrong.Errors) != 1 || len(unknown.Errors) != 1 ||
				wrong.Errors[0].Message != unknown.Errors[0].Message ||
				fmt.Sprint(wrong.Errors[0].Extensions) != fmt.Sprint(unknown.Errors[0].Extensions) {
				t.Fatalf("differ: %v / %v", wrong.Errors, unknown.Errors)
			}
		})

		t.Run("aliased logins each count toward the rate limit", func(t *testing.T) {
			var b strings.Builder
			b.WriteString("mutation {")
			for i := 0; i < 8; i++ {
				fmt.Fprintf(&b, ` a%d: login(email: "ada@example.com", password: "wrong-%d") { token }`, i, i)
			}
			b.WriteString(" }")
			res := env.GraphQL(t, "", b.String(), nil)
			if !slices.Contains(res.Codes(), "RATE_LIMITED") {
				t.Fatalf("8 aliased attempts were not limited: %v", res.Codes())
			}
			// The account stays limited for the right password too.
			res = env.GraphQL(t, "", q, map[string]any{"e": "ada@example.com", "p": "password123"})
			if !slices.Equal(res.Codes(), []string{"RATE_LIMITED"}) {
				t.Fatalf("codes %v", res.Codes())
			}
		})
	})
}
