package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"userbridge/ent/legacyid"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db/dbtest"
)

// TestLegacyIDsAnswerInEveryDialect: a user given imported ids shows each
// in its dialect and is found under it; a reserved id and a primary key an
// import replaced are found nowhere; a user created natively afterwards
// derives none of them.
func TestLegacyIDsAnswerInEveryDialect(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		e := apptest.New(t, url)
		c := e.Store.Client
		adminTok := e.Token(t, e.Admin(t, "admin@example.com"))
		ada := e.User(t, "ada@example.com")
		adaTok := e.Token(t, ada)
		for d, v := range map[legacyid.Dialect]string{
			legacyid.DialectEduplatform: "4242", legacyid.DialectEdufocus: "Legacy01",
			legacyid.DialectUsersv1: "usr_Legacy02", legacyid.DialectMaarch: "1717",
		} {
			if err := legacyids.Assign(ctx, c, ada.ID, d, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := legacyids.Reserve(ctx, c, legacyid.DialectEdufocus, "Reserved"); err != nil {
			t.Fatal(err)
		}
		if err := legacyids.Reserve(ctx, c, legacyid.DialectUsersv1, "usr_Reserved"); err != nil {
			t.Fatal(err)
		}
		call := func(t *testing.T, method, path, tok, body string, status int) map[string]any {
			t.Helper()
			rec := e.Do(apptest.Request(method, path, tok, body))
			if rec.Code != status {
				t.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body, status)
			}
			var out map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &out)
			return out
		}
		wantID := func(t *testing.T, got, want any) {
			t.Helper()
			if got != want {
				t.Fatalf("id %v (%T), want %v", got, got, want)
			}
		}

		t.Run("eduplatform shows the imported id", func(t *testing.T) {
			out := call(t, "POST", "/api/v1/users/oauth", adaTok, "", http.StatusOK)
			wantID(t, out["user"].(map[string]any)["id"], float64(4242))
		})
		t.Run("edufocus resolves and shows the imported id", func(t *testing.T) {
			payload := func(out map[string]any) any { return out["payload"].(map[string]any)["id"] }
			wantID(t, payload(call(t, "GET", "/users/Legacy01", adminTok, "", http.StatusOK)), "Legacy01")
			wantID(t, payload(call(t, "GET", "/users/@current", adaTok, "", http.StatusOK)), "Legacy01")
			// The public id stays hers (legacyids.Holder); shown as the import.
			wantID(t, payload(call(t, "GET", "/users/"+ada.PublicID, adminTok, "", http.StatusOK)), "Legacy01")
			call(t, "GET", "/users/Reserved", adminTok, "", http.StatusNotFound)
		})
		t.Run("usersv1 resolves and shows the imported id", func(t *testing.T) {
			wantID(t, call(t, "GET", "/v1/users/usr_Legacy02", adminTok, "", http.StatusOK)["id"], "usr_Legacy02")
			wantID(t, call(t, "PUT", "/v1/users/usr_Legacy02", adminTok, `{"name":"Ada L"}`, http.StatusOK)["id"], "usr_Legacy02")
			call(t, "GET", "/v1/users/usr_Reserved", adminTok, "", http.StatusNotFound)
		})
		t.Run("maarch lists and resolves the imported id", func(t *testing.T) {
			out := call(t, "GET", "/rest/users", adminTok, "", http.StatusOK)
			var ids []float64
			for _, u := range out["users"].([]any) {
				ids = append(ids, u.(map[string]any)["id"].(float64))
			}
			found := false
			for _, id := range ids {
				found = found || id == 1717
				if id == float64(ada.ID) {
					t.Fatalf("list shows ada's replaced primary key %d: %v", ada.ID, ids)
				}
			}
			if !found {
				t.Fatalf("list %v lacks 1717", ids)
			}
			// Found under 1717 (the body is then refused), not under her primary key.
			unknown := "User does not exist"
			pk := "/rest/users/" + strconv.Itoa(ada.ID) + "/externalSignatures"
			if out := call(t, "PUT", "/rest/users/1717/externalSignatures", adminTok, `{}`, http.StatusBadRequest); out["errors"] == unknown {
				t.Fatal("1717 does not resolve")
			}
			if out := call(t, "PUT", pk, adminTok, `{}`, http.StatusBadRequest); out["errors"] != unknown {
				t.Fatalf("her replaced primary key resolves: %v", out)
			}
			// Her own imported id is hers; her replaced key is nobody's.
			if out := call(t, "PUT", "/rest/users/1717/externalSignatures", adaTok, `{}`, http.StatusBadRequest); out["errors"] == unknown {
				t.Fatal("1717 is not her own")
			}
			call(t, "PUT", pk, adaTok, `{}`, http.StatusForbidden)
		})
		t.Run("a native user created after the import derives none of its ids", func(t *testing.T) {
			out := call(t, "POST", "/rest/users", adminTok,
				`{"login":"later","firstname":"L","lastname":"Ater","email":"later@example.com"}`, http.StatusOK)
			id := out["id"].(float64)
			if id <= 4242 {
				t.Fatalf("native user got id %v, not above the imported 4242", id)
			}
			rec := e.Do(apptest.Request("GET", "/rest/users", adminTok, nil))
			if strings.Count(rec.Body.String(), `"id":`+strconv.Itoa(int(id))+`,`) != 1 {
				t.Fatalf("id %v not listed once: %s", id, rec.Body)
			}
		})
	})
}
