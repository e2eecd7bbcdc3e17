package app_test

// Issue 26, item 3: a ban revokes the user's credentials for good.

import (
	"context"
	"net/http"
	"testing"
	"time"

	"userbridge/ent/authorizationcode"
	"userbridge/ent/credential"
	"userbridge/graph/gid"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db/dbtest"
)

// TestUnbanDoesNotReviveCredentials: tokens minted before a ban worked
// again after the unban, since only the status was checked. A ban now
// revokes, in its transaction, every credential of the user (its own
// tokens and keys, applications' tokens) and drops its authorization codes
// not yet exchanged; after the unban the user signs in again. GraphQL
// banUser and Edu-Focus POST /users/{id}/ban share the rule.
func TestUnbanDoesNotReviveCredentials(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		for _, tr := range []struct {
			name, email string
			ban, unban  func(t *testing.T, id int, publicID string)
		}{
			{"GraphQL banUser", "graphql@example.com",
				func(t *testing.T, id int, _ string) {
					w.gql(t, w.adminTok, "", `mutation($id:ID!){banUser(id:$id){id}}`, map[string]any{"id": gid.Encode(id)})
				},
				func(t *testing.T, id int, _ string) {
					w.gql(t, w.adminTok, "", `mutation($id:ID!){unbanUser(id:$id){id}}`, map[string]any{"id": gid.Encode(id)})
				}},
			{"Edu-Focus POST /users/{id}/ban", "edufocus@example.com",
				func(t *testing.T, _ int, pid string) {
					w.call(t, http.MethodPost, "/users/"+pid+"/ban", w.adminTok, nil, 200)
				},
				func(t *testing.T, _ int, pid string) {
					w.call(t, http.MethodDelete, "/users/"+pid+"/ban", w.adminTok, nil, 200)
				}},
		} {
			t.Run(tr.name, func(t *testing.T) {
				u := w.User(t, tr.email)
				tok := w.Token(t, u)
				key := mint(t, w.Env, tok, "", nil).token
				app := w.appToken(t, u, true, true, auth.AllScopes, policy.PermUsersRead)
				a, _ := w.Application(t, "pending", true)
				w.Store.Client.AuthorizationCode.Create().SetSignature("sig-" + u.PublicID).SetGrantID("grant-" + u.PublicID).
					SetUserID(u.ID).SetApplicationID(a.ID).SetRequest([]byte("{}")).SetExpiresAt(time.Now().Add(time.Hour)).
					ExecX(ctx)

				tr.ban(t, u.ID, u.PublicID)
				tr.unban(t, u.ID, u.PublicID)
				for name, tk := range map[string]string{"first-party token": tok, "API key": key, "application token": app} {
					if w.works(t, tk) {
						t.Errorf("the %s minted before the ban works after the unban", name)
					}
				}
				if n := w.Store.Client.Credential.Query().Where(credential.UserID(u.ID), credential.RevokedAtIsNil()).CountX(ctx); n != 0 {
					t.Errorf("%d credentials of the banned user are not revoked", n)
				}
				if n := w.Store.Client.AuthorizationCode.Query().Where(authorizationcode.UserID(u.ID)).CountX(ctx); n != 0 {
					t.Errorf("%d authorization codes of the banned user survive", n)
				}
				if !w.works(t, w.Issue(t, accounts.IssueInput{UserEmail: u.Email})) || !w.canLogIn(t, u.Email, "password123") {
					t.Error("the unbanned user cannot sign in again")
				}
			})
		}
	})
}

// TestKeyMintedAcrossABanDoesNotOutliveIt: createApiKey checked the user's
// status when it authenticated, then stored the key; a ban committed in
// between revoked every credential but the key about to be stored, which
// then worked again after the unban. The key is now stored in a
// transaction that reads the user (locked on PostgreSQL) and refuses one
// no longer active.
func TestKeyMintedAcrossABanDoesNotOutliveIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url)
		ctx := context.Background()
		u := w.User(t, "carol@example.com")
		v, err := w.Auth.Authenticate(ctx, "Bearer "+w.Token(t, u))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Accounts.Ban(ctx, auth.Operator(), u.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = w.Accounts.CreateAPIKey(ctx, v, accounts.APIKeyInput{})
		if e := apperr.As(err); e == nil || e.Kind != apperr.Unauthenticated || e.Reason != auth.ReasonAccountBanned {
			t.Fatalf("createApiKey by a request authenticated before the ban: %v, want account_banned", err)
		}
		if _, err := w.Accounts.Unban(ctx, auth.Operator(), u.ID); err != nil {
			t.Fatal(err)
		}
		if n := w.Store.Client.Credential.Query().Where(credential.UserID(u.ID), credential.RevokedAtIsNil()).CountX(ctx); n != 0 {
			t.Fatalf("%d credentials minted across the ban work after the unban", n)
		}
	})
}
