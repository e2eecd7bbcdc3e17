package oauth_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/oauth"
	"userbridge/internal/store/db/dbtest"
)

func kids(t *testing.T, base string) []string {
	t.Helper()
	res, err := http.Get(base + "/oauth/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

// TestSigningKeyRotation: a key signs for one period, then the next one
// does while the previous is still published; one more period and it is
// gone.
func TestSigningKeyRotation(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) {
		c.Now, c.OIDCKeyRotation = now, oauth.MinKeyRotation
	})
	first := kids(t, w.base)
	if len(first) != 1 {
		t.Fatalf("kids = %v", first)
	}
	offset.Add(int64(oauth.MinKeyRotation + time.Minute))
	second := kids(t, w.base)
	if len(second) != 2 || second[1] != first[0] {
		t.Fatalf("after one period: %v (was %v)", second, first)
	}
	offset.Add(int64(oauth.MinKeyRotation + time.Minute))
	third := kids(t, w.base)
	if len(third) != 2 || third[1] != second[0] || strings.Contains(strings.Join(third, " "), first[0]) {
		t.Fatalf("after two periods: %v", third)
	}
}

// TestSigningKeysSealed: the private key in the table is sealed, not a
// key; another SECRET_KEY cannot open it, so that service makes its own
// key and publishes both (tokens the first signed still verify).
func TestSigningKeysSealed(t *testing.T) {
	dbURL := dbtest.URL(t, dbtest.SQLite)
	w := newWorld(t, dbURL, func(c *app.Config) { c.Secret = "first-secret-0123456789abcdef0123" })
	first := kids(t, w.base)
	rows := w.Store.Client.SigningKey.Query().AllX(context.Background())
	if len(rows) != 1 {
		t.Fatalf("rows = %d", len(rows))
	}
	if _, err := x509.ParsePKCS8PrivateKey(rows[0].PrivateKey); err == nil {
		t.Fatal("the private key is stored in clear")
	}
	if strings.Contains(string(rows[0].PublicJwk), `"d"`) {
		t.Fatal("the stored JWK holds the private exponent")
	}
	e := apptest.New(t, dbURL, func(c *app.Config) { c.PublicURL, c.Secret = w.base, "other-secret-0123456789abcdef0123" })
	rec := e.Do(apptest.Request("GET", "/oauth/jwks", "", nil))
	var set jose.JSONWebKeySet
	_ = json.Unmarshal(rec.Body.Bytes(), &set)
	var both []string
	for _, k := range set.Keys {
		both = append(both, k.KeyID)
	}
	if len(both) != 2 || both[1] != first[0] {
		t.Fatalf("with another secret: %v (was %v)", both, first)
	}
}

// TestOpenIDConnectNeedsSecretOutsideDevelopment: on a public URL that is
// not loopback, OpenID Connect is off without SECRET_KEY (discovery 404,
// scope openid refused as before), on with it.
func TestOpenIDConnectNeedsSecretOutsideDevelopment(t *testing.T) {
	for secret, want := range map[string]int{"": 404, "a-secret-0123456789abcdef0123456789": 200} {
		e := apptest.New(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) { c.PublicURL, c.Secret = "https://id.example", secret })
		if rec := e.Do(apptest.Request("GET", "/.well-known/openid-configuration", "", nil)); rec.Code != want {
			t.Errorf("secret %q: discovery = %d, want %d", secret, rec.Code, want)
		}
	}
}

// TestES256 signs with ES256 when configured, and go-oidc verifies it.
func TestES256(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite), func(c *app.Config) { c.OIDCSigningAlg = "ES256" })
	a := w.oidcApp(t, "Notes SPA")
	_, raw := w.signInOIDC(t, newBrowser(t), w.config(a, "", "openid"), "nonce-es256")
	if h := jwtHeader(t, raw); h["alg"] != "ES256" {
		t.Fatalf("header = %v", h)
	}
	ctx := context.Background()
	p, err := oidc.NewProvider(ctx, w.base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Verifier(&oidc.Config{ClientID: a.ClientID}).Verify(ctx, raw); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

// TestFirstKeyMadeOnce: requests arriving together before any key exists
// make one key between them, not one each.
func TestFirstKeyMadeOnce(t *testing.T) {
	w := newWorld(t, dbtest.URL(t, dbtest.SQLite))
	got := make(chan []string, 8)
	for range 8 {
		go func() { got <- kids(t, w.base) }()
	}
	for range 8 {
		if k := <-got; len(k) != 1 {
			t.Errorf("kids = %v", k)
		}
	}
	if n := w.Store.Client.SigningKey.Query().CountX(context.Background()); n != 1 {
		t.Fatalf("%d keys made", n)
	}
}
