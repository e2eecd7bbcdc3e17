package oauth_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"userbridge/internal/app"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// logs is the service's JSON log, read by tests while the server writes.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// tokenLines are the token endpoint's lines so far.
func (l *logs) tokenLines() []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(l.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "oauth token" {
			out = append(out, m)
		}
	}
	return out
}

// last is the latest token endpoint line.
func (l *logs) last(t *testing.T) map[string]any {
	t.Helper()
	lines := l.tokenLines()
	if len(lines) == 0 {
		t.Fatalf("no token endpoint line in the log:\n%s", l.String())
	}
	return lines[len(lines)-1]
}

func withLogs(l *logs) func(*app.Config) {
	return func(c *app.Config) { c.Logger = slog.New(slog.NewJSONHandler(l, nil)) }
}

// TestTokenEndpointLogs: each token request writes one JSON line that
// names the client and the user of the grant (never a token, code,
// verifier or secret); a reused code and a replayed refresh token are
// WARN, what an operator looks for after a leak.
func TestTokenEndpointLogs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		l := &logs{}
		w := newWorld(t, dbURL, withLogs(l))
		a, secret := w.app(t, accounts.AppInput{Name: "Notes"})
		conf := w.config(a, secret, "identity")
		verifier := oauth2.GenerateVerifier()
		code := w.authorize(t, newBrowser(t), conf, oauth2.S256ChallengeOption(verifier))
		exchange := func() (int, string) {
			return w.tokenCall(t, a.ClientID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {redirectURI}, "code_verifier": {verifier}})
		}
		refresh := func(r string) (int, string) {
			return w.tokenCall(t, a.ClientID, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r}})
		}
		want := func(t *testing.T, line map[string]any, fields map[string]any) {
			t.Helper()
			for k, v := range fields {
				if line[k] != v {
					t.Errorf("%s = %v, want %v in %v", k, line[k], v, line)
				}
			}
		}
		var secrets []string // everything that must never reach the log
		secrets = append(secrets, code, verifier, secret)

		st, body := exchange()
		access, r1 := tokens(t, st, body)
		secrets = append(secrets, access, r1)
		t.Run("a code exchanged names the client and the user", func(t *testing.T) {
			want(t, l.last(t), map[string]any{"level": "INFO", "grant_type": "authorization_code", "client_id": a.ClientID,
				"user": w.user.PublicID, "outcome": "issued"})
		})
		t.Run("a reused code is WARN, naming the client and the user", func(t *testing.T) {
			if st, body := exchange(); st != 400 {
				t.Fatalf("reuse: %d %s", st, body)
			}
			want(t, l.last(t), map[string]any{"level": "WARN", "grant_type": "authorization_code", "client_id": a.ClientID,
				"user": w.user.PublicID, "outcome": "refused", "error": "invalid_grant", "reuse": "authorization_code"})
		})

		code = w.authorize(t, newBrowser(t), conf, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "consent"))
		st, body = exchange()
		_, r2 := tokens(t, st, body)
		secrets = append(secrets, code, r2)
		t.Run("a refresh names the client and the user", func(t *testing.T) {
			st, body := refresh(r2)
			a3, r3 := tokens(t, st, body)
			secrets = append(secrets, a3, r3)
			want(t, l.last(t), map[string]any{"level": "INFO", "grant_type": "refresh_token", "client_id": a.ClientID,
				"user": w.user.PublicID, "outcome": "issued"})
		})
		t.Run("a replayed refresh token is WARN, naming the client and the user", func(t *testing.T) {
			if st, body := refresh(r2); st != 400 {
				t.Fatalf("replay: %d %s", st, body)
			}
			want(t, l.last(t), map[string]any{"level": "WARN", "grant_type": "refresh_token", "client_id": a.ClientID,
				"user": w.user.PublicID, "outcome": "refused", "error": "invalid_grant", "reuse": "refresh_token"})
		})
		t.Run("an application alone names the client and no user", func(t *testing.T) {
			st, body := w.tokenCall(t, a.ClientID, secret, url.Values{"grant_type": {"client_credentials"}})
			alone, _ := tokens(t, st, body)
			secrets = append(secrets, alone)
			line := l.last(t)
			want(t, line, map[string]any{"level": "INFO", "grant_type": "client_credentials", "client_id": a.ClientID, "outcome": "issued"})
			if _, ok := line["user"]; ok {
				t.Errorf("a user on an application's own token: %v", line)
			}
		})
		t.Run("a failed authentication names the client it claimed", func(t *testing.T) {
			st, _ := w.tokenCall(t, a.ClientID, "wrong-secret", url.Values{"grant_type": {"client_credentials"}})
			if st != 401 {
				t.Fatalf("status %d", st)
			}
			want(t, l.last(t), map[string]any{"level": "INFO", "client_id": a.ClientID, "outcome": "refused", "error": "invalid_client"})
		})
		t.Run("no token, code, verifier or secret is ever logged", func(t *testing.T) {
			out := l.String()
			for _, s := range secrets {
				if s != "" && strings.Contains(out, s) {
					t.Errorf("the log holds %.12s...", s)
				}
			}
			if n := len(l.tokenLines()); n != 7 {
				t.Errorf("%d token endpoint lines, want one per request (7):\n%s", n, out)
			}
		})
	})
}
