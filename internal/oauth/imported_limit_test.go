package oauth_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"userbridge/ent/application"
	"userbridge/internal/app"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/passwords"
	"userbridge/internal/store/db/dbtest"
)

// limitedCall is a client-authenticated POST to path: status, the OAuth
// error code, and Retry-After.
func (w *world) limitedCall(t *testing.T, path, id, secret string, form url.Values) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var e struct{ Error string }
	_ = json.Unmarshal(b, &e)
	return res.StatusCode, e.Error, res.Header.Get("Retry-After")
}

// basicGraphQL is a GraphQL request authenticated as the application alone.
func (w *world) basicGraphQL(t *testing.T, id, secret string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", w.base+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(id, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// TestImportedClientSecretGuessesLimited: the token, revocation and
// introspection endpoints' client authentication spends the bucket Basic
// authentication spends on an application whose secret is still an
// imported (slow) hash. Past it every attempt, even with the right secret,
// is 429 invalid_client with Retry-After and computes no hash; once the
// bucket refills the right secret gets its token. A native client's wrong
// secrets stay 401 invalid_client however many.
func TestImportedClientSecretGuessesLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		const burst, period = 3, 8 * time.Second
		w := newWorld(t, dbURL, func(c *app.Config) {
			// One attempt back every period: long enough that a loaded
			// machine refills nothing during the refused attempts.
			c.LoginRate = ratelimit.Limit{Rate: 1, Period: period, Burst: burst}
		})
		a, _ := w.app(t, accounts.AppInput{Name: "Backend", Scopes: []string{"identity"}})
		stored, err := auth.ImportedSecretHash(legacyBcrypt)
		if err != nil {
			t.Fatal(err)
		}
		db := w.Store.Client
		db.Application.UpdateOne(a).SetSecretHash(stored).ExecX(t.Context())
		grant := url.Values{"grant_type": {"client_credentials"}}
		revoke := url.Values{"token": {"ubr_" + strings.Repeat("x", 43)}}
		introspect := url.Values{"token": {"uba_" + strings.Repeat("x", 43)}}

		// The first guesses are checked, and wrong; the REST side spends
		// the same bucket.
		for i := range burst - 1 {
			if st, code, _ := w.limitedCall(t, "/oauth/token", a.ClientID, "wrong horse "+strconv.Itoa(i), grant); st != 401 || code != "invalid_client" {
				t.Fatalf("guess %d: %d %s, want 401 invalid_client", i+1, st, code)
			}
		}
		if st := w.basicGraphQL(t, a.ClientID, "wrong horse"); st != 401 {
			t.Fatalf("Basic guess: %d, want 401", st)
		}
		before := passwords.Verifications()
		for _, c := range []struct {
			path, secret string
			form         url.Values
		}{
			{"/oauth/token", "wrong horse", grant},
			{"/oauth/token", "correct horse", grant},
			{"/oauth/revoke", "wrong horse", revoke},
			{"/oauth/introspect", "wrong horse", introspect},
		} {
			st, code, retry := w.limitedCall(t, c.path, a.ClientID, c.secret, c.form)
			if st != 429 || code != "invalid_client" || retry == "" {
				t.Fatalf("%s past the limit (%s): %d %q Retry-After %q, want 429 invalid_client with Retry-After", c.path, c.secret, st, code, retry)
			}
		}
		if st := w.basicGraphQL(t, a.ClientID, "correct horse"); st != 401 {
			t.Fatalf("Basic past the limit: %d, want 401 (refused like a wrong secret)", st)
		}
		if n := passwords.Verifications() - before; n != 0 {
			t.Fatalf("attempts past the limit computed %d slow hashes", n)
		}
		if got := db.Application.Query().Where(application.ID(a.ID)).OnlyX(t.Context()).SecretHash; got != stored {
			t.Fatal("a refused attempt changed the stored hash")
		}

		// After the window the right secret is checked, and restores the
		// service's own hash, which nothing counts any more.
		time.Sleep(period + 100*time.Millisecond)
		if st, code, _ := w.limitedCall(t, "/oauth/token", a.ClientID, "correct horse", grant); st != 200 {
			t.Fatalf("right secret after the window: %d %s", st, code)
		}
		for i := range burst + 2 {
			if st, code, _ := w.limitedCall(t, "/oauth/token", a.ClientID, "correct horse", grant); st != 200 {
				t.Fatalf("restored secret, request %d: %d %s", i+1, st, code)
			}
		}

		// A native client: wrong secrets are 401 invalid_client, never 429.
		n, secret := w.app(t, accounts.AppInput{Name: "Native", Scopes: []string{"identity"}})
		for i := range burst + 3 {
			if st, code, retry := w.limitedCall(t, "/oauth/token", n.ClientID, "wrong", grant); st != 401 || code != "invalid_client" || retry != "" {
				t.Fatalf("native guess %d: %d %s Retry-After %q, want 401 invalid_client", i+1, st, code, retry)
			}
		}
		if st, code, _ := w.limitedCall(t, "/oauth/token", n.ClientID, secret, grant); st != 200 {
			t.Fatalf("native right secret: %d %s", st, code)
		}
	})
}
