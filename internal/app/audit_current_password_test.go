package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/internal/app/apptest"
	"userbridge/internal/auditlog"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// TestWrongCurrentPasswordIsAFailedSignIn: a wrong current password (a
// password change through GraphQL and users-v1, createApiKey's
// currentPassword) is a guess at the password by whoever holds the token:
// it records signin.failed naming that user and credential, with the
// check in its details, and nothing of the refused change. It goes through
// the sign-ins' gate: one stored per account and address per login
// period, the others counted on the pair's next sign-in. A missing
// current password is no guess and records nothing.
func TestWrongCurrentPasswordIsAFailedSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := apptest.New(t, url)
		kim := e.User(t, "kim@example.com")
		tok := e.Token(t, kim)
		cred := e.Store.Client.Credential.Query().OnlyX(context.Background())
		ref := auditlog.CredentialRef(cred.ID, cred.Kind)
		last := 0
		since := func(t *testing.T) []*ent.AuditEvent {
			t.Helper()
			evs := e.Store.Client.AuditEvent.Query().Where(auditevent.IDGT(last)).
				Order(ent.Asc(auditevent.FieldID)).AllX(context.Background())
			if len(evs) > 0 {
				last = evs[len(evs)-1].ID
			}
			return evs
		}
		since(t)
		gql := func(t *testing.T, addr, query string, vars map[string]any) apptest.GraphQLResponse {
			t.Helper()
			req := apptest.Request(http.MethodPost, "/graphql", tok, map[string]any{"query": query, "variables": vars})
			req.RemoteAddr = addr
			var res apptest.GraphQLResponse
			rec := e.Do(req)
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			return res
		}
		const change = `mutation ChangeMine($in: UpdateViewerInput!) { updateViewer(input: $in) { id } }`
		const mint = `mutation MintKey($p: String) { createApiKey(currentPassword: $p) { token } }`
		const here, there = "203.0.113.7:4000", "198.51.100.8:4000"
		failed := func(t *testing.T, evs []*ent.AuditEvent, check, route string) {
			t.Helper()
			all, _ := json.Marshal(evs)
			if len(evs) != 1 {
				t.Fatalf("%d events, want one signin.failed: %s", len(evs), all)
			}
			ev := evs[0]
			if ev.Kind != string(auditlog.SignInFailed) || ev.Reason != accounts.SignInWrongPassword ||
				ev.ActorKind != auditevent.ActorKindUser || ev.ActorUser != kim.PublicID || ev.ActorCredential != ref ||
				ev.TargetType != auditlog.TargetUser || ev.TargetID != kim.PublicID ||
				ev.Details["check"] != check || ev.Route != route {
				t.Fatalf("event %s, want signin.failed wrong_password by %s %s on %s, check %s, route %q", all, kim.PublicID, ref, kim.PublicID, check, route)
			}
		}

		t.Run("wrong current password of a password change", func(t *testing.T) {
			res := gql(t, here, change, map[string]any{"in": map[string]any{"password": "brand-new-pass-1", "currentPassword": "guess-number-1"}})
			if len(res.Errors) != 1 {
				t.Fatalf("refused change: %s %v", res.Data, res.Errors)
			}
			failed(t, since(t), accounts.CheckCurrentPassword, "POST /graphql ChangeMine")
		})
		t.Run("missing current password records nothing", func(t *testing.T) {
			if res := gql(t, there, change, map[string]any{"in": map[string]any{"password": "brand-new-pass-1"}}); len(res.Errors) != 1 {
				t.Fatalf("change without current password: %s %v", res.Data, res.Errors)
			}
			if evs := since(t); len(evs) != 0 {
				t.Fatalf("%d events for a missing current password", len(evs))
			}
		})
		t.Run("more guesses from the same address are counted, not stored", func(t *testing.T) {
			gql(t, here, change, map[string]any{"in": map[string]any{"password": "brand-new-pass-1", "currentPassword": "guess-number-2"}})
			req := apptest.Request(http.MethodPut, "/v1/users/usr_"+kim.PublicID, tok,
				map[string]any{"password": "brand-new-pass-1", "current_password": "guess-number-3"})
			req.RemoteAddr = here
			if rec := e.Do(req); rec.Code < 400 || rec.Code >= 500 {
				t.Fatalf("users-v1 wrong current password: %d %s", rec.Code, rec.Body)
			}
			if evs := since(t); len(evs) != 0 {
				all, _ := json.Marshal(evs)
				t.Fatalf("stored within the period: %s", all)
			}
		})
		t.Run("createApiKey's current password, from another address", func(t *testing.T) {
			res := gql(t, there, mint, map[string]any{"p": "guess-number-4"})
			if len(res.Errors) != 1 {
				t.Fatalf("refused key: %s %v", res.Data, res.Errors)
			}
			failed(t, since(t), accounts.CheckAPIKeyPassword, "POST /graphql MintKey")
		})
		t.Run("the next sign-in from the first address carries the count", func(t *testing.T) {
			req := apptest.Request(http.MethodPost, "/graphql", "", map[string]any{
				"query":     `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
				"variables": map[string]any{"e": "kim@example.com", "p": "password123"}})
			req.RemoteAddr = here
			if rec := e.Do(req); rec.Code != 200 {
				t.Fatalf("login: %d %s", rec.Code, rec.Body)
			}
			evs := since(t)
			if len(evs) != 1 || evs[0].Kind != string(auditlog.SignInSucceeded) || evs[0].Details["suppressed"] != "2" {
				all, _ := json.Marshal(evs)
				t.Fatalf("events %s, want signin.succeeded with suppressed 2", all)
			}
		})
		t.Run("the right current password records no failure", func(t *testing.T) {
			res := gql(t, here, change, map[string]any{"in": map[string]any{"password": "brand-new-pass-1", "currentPassword": "password123"}})
			if len(res.Errors) != 0 {
				t.Fatalf("change: %v", res.Errors)
			}
			for _, ev := range since(t) {
				if ev.Kind == string(auditlog.SignInFailed) {
					t.Fatalf("signin.failed for the right password: %+v", ev)
				}
			}
		})
	})
}
