package auth_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db/dbtest"
)

func TestAuthenticate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		s := dbtest.Open(t, url)
		ctx := context.Background()
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		a := &auth.Authenticator{Client: s.Client, Now: func() time.Time { return now }}
		mkUser := func(email string, status user.Status) int {
			return s.Client.User.Create().SetEmail(email).SetUsername(email[:3]).SetLogin(email).SetStatus(status).SaveX(ctx).ID
		}
		mkToken := func(userID int, kind credential.Kind, expires *time.Time, revoked bool) string {
			tok, hash := auth.NewToken(kind)
			c := s.Client.Credential.Create().SetTokenHash(hash).SetKind(kind).SetUserID(userID).
				SetScopes([]string{"identity"}).SetNillableExpiresAt(expires)
			if revoked {
				c.SetRevokedAt(now.Add(-time.Minute))
			}
			c.SaveX(ctx)
			return tok
		}
		active := mkUser("act@example.com", user.StatusActive)
		suspended := mkUser("sus@example.com", user.StatusSuspended)
		banned := mkUser("ban@example.com", user.StatusBanned)
		app := s.Client.Application.Create().SetName("app").SetSecretHash(auth.HashSecret("s3cret")).SaveX(ctx)
		basic := func(id, secret string) string {
			return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
		}
		past, future := now.Add(-time.Second), now.Add(time.Hour)

		t.Run("valid tokens authenticate", func(t *testing.T) {
			for _, h := range []string{
				"Bearer " + mkToken(active, credential.KindAPIKey, nil, false),
				"bearer " + mkToken(active, credential.KindAccessToken, &future, false),
			} {
				v, err := a.Authenticate(ctx, h)
				if err != nil || v.UserID() != active || !v.FirstParty() || !v.Consented || !v.HasScope(auth.ScopeIdentity) {
					t.Fatalf("%q: %+v %v", h, v, err)
				}
			}
		})
		t.Run("a first-party key narrowed to identity carries identity alone", func(t *testing.T) {
			v, err := a.Authenticate(ctx, "Bearer "+mkToken(active, credential.KindAPIKey, nil, false))
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range auth.AllScopes[1:] {
				if v.HasScope(sc) {
					t.Fatalf("the narrowed key gained scope %s: %v", sc, v.Scopes)
				}
			}
		})
		t.Run("a bearer token costs one round trip on PostgreSQL, user and application included", func(t *testing.T) {
			tok, hash := auth.NewToken(credential.KindAccessToken)
			s.Client.Credential.Create().SetTokenHash(hash).SetKind(credential.KindAccessToken).
				SetUserID(active).SetApplicationID(app.ID).SetScopes([]string{"identity"}).SaveX(ctx)
			if _, err := a.Authenticate(ctx, "Bearer "+tok); err != nil { // records the first use
				t.Fatal(err)
			}
			before := s.Statements()
			v, err := a.Authenticate(ctx, "Bearer "+tok)
			if err != nil {
				t.Fatal(err)
			}
			want := uint64(1) // credentials LEFT JOIN users LEFT JOIN applications
			if s.Dialect == dialect.SQLite {
				want = 3 // credential, user, application: narrow statements beat the join there (ent.QueryByTokenHash)
			}
			if n := s.Statements() - before; n != want {
				t.Errorf("%d statements, want %d", n, want)
			}
			if v.User == nil || v.User.Email != "act@example.com" || v.App == nil || v.App.Name != "app" ||
				v.Credential.ID == 0 || v.Credential.Scopes[0] != "identity" {
				t.Fatalf("viewer %+v", v)
			}
		})
		t.Run("no header is anonymous", func(t *testing.T) {
			if v, err := a.Authenticate(ctx, ""); v != nil || err != nil {
				t.Fatalf("%v %v", v, err)
			}
		})
		t.Run("an application authenticates with Basic", func(t *testing.T) {
			v, err := a.Authenticate(ctx, basic(app.ClientID, "s3cret"))
			if err != nil || v.App == nil || v.User != nil || v.HasScope(auth.ScopeModify) {
				t.Fatalf("%+v %v", v, err)
			}
		})
		refused := []struct {
			name, header, reason string
		}{
			{"unknown scheme", "Digest abc", auth.ReasonHeaderType},
			{"bearer without token", "Bearer", auth.ReasonHeaderValue},
			{"bearer with garbage", "Bearer <script>", auth.ReasonHeaderValue},
			{"basic not base64", "Basic !!!", auth.ReasonHeaderValue},
			{"basic without colon", "Basic " + base64.StdEncoding.EncodeToString([]byte("abc")), auth.ReasonHeaderValue},
			{"basic wrong secret", basic(app.ClientID, "nope"), auth.ReasonInvalidToken},
			{"basic unknown app", basic("x", "nope"), auth.ReasonInvalidToken},
			{"unknown token", "Bearer uba_00000000000000000000000000000000", auth.ReasonInvalidToken},
			{"expired token", "Bearer " + mkToken(active, credential.KindAccessToken, &past, false), auth.ReasonInvalidToken},
			{"revoked token", "Bearer " + mkToken(active, credential.KindAPIKey, nil, true), auth.ReasonInvalidToken},
			{"suspended user", "Bearer " + mkToken(suspended, credential.KindAPIKey, nil, false), auth.ReasonAccountSuspended},
			{"banned user", "Bearer " + mkToken(banned, credential.KindAPIKey, nil, false), auth.ReasonAccountBanned},
		}
		for _, c := range refused {
			t.Run(c.name+" is refused", func(t *testing.T) {
				v, err := a.Authenticate(ctx, c.header)
				e := apperr.As(err)
				if v != nil || e == nil || e.Kind != apperr.Unauthenticated || e.Reason != c.reason {
					t.Fatalf("got %v, %v; want reason %s", v, err, c.reason)
				}
			})
		}
		t.Run("tokens are stored only as hashes", func(t *testing.T) {
			tok := mkToken(active, credential.KindAPIKey, nil, false)
			n := s.Client.Credential.Query().Where(credential.TokenHash(tok)).CountX(ctx)
			if n != 0 || len(tok) != 4+auth.TokenBodyLen {
				t.Fatalf("token stored in clear or wrong length: %d %d", n, len(tok))
			}
		})
	})
}

func TestPasswords(t *testing.T) {
	h, err := auth.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword("correct horse", h) || auth.CheckPassword("wrong horse", h) || auth.CheckPassword("x", "") {
		t.Fatal("password check is wrong")
	}
	if h2, _ := auth.HashPassword("correct horse"); h2 == h {
		t.Fatal("hashes are not salted")
	}
	if !strings.Contains(h, "$m=7168,t=5,p=1$") {
		t.Fatalf("new hashes must use the documented cost (7 MiB, 5 passes): %s", h)
	}
	// Hashes stored with the earlier costs (19 MiB/2 passes, then 12 MiB/3)
	// carry their parameters and still verify.
	for _, earlier := range []string{
		"$argon2id$v=19$m=19456,t=2,p=1$dXNlcmJyaWRnZS1zYWx0IQ$ntSct6EL0BCipfYx7y+RC/nvBdbaJrMSDWteHCqI2ew",
		"$argon2id$v=19$m=12288,t=3,p=1$dXNlcmJyaWRnZS1zYWx0IQ$UffcOMKfO/jfomv6XQLrmqVJRes2u2DsdXbvqm17Th4",
	} {
		if !auth.CheckPassword("correct horse", earlier) || auth.CheckPassword("wrong horse", earlier) {
			t.Fatalf("a hash with earlier parameters no longer verifies: %s", earlier)
		}
	}
}
