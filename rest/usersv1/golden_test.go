package usersv1_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

// The examples of the legacy document (002_4dcebe6fc6bb2ecc.txt), verbatim.
const (
	legacyGet200 = `{
"id": "usr_123456",
"email": "user@example.com",
"name": "John Doe",
"created_at": "2024-01-15T10:30:00Z",
"updated_at": "2024-03-20T14:45:00Z",
"status": "active",
"role": "admin"
}`
	legacyPost201 = `{
"id": "usr_789012",
"email": "newuser@example.com",
"name": "Jane Smith",
"created_at": "2024-10-07T15:20:00Z",
"status": "active",
"role": "user"
}`
	legacyPostBody = `{
"email": "newuser@example.com",
"name": "Jane Smith",
"password": "securepass123",
"role": "user"
}`
)

// shape maps each key of a JSON object to its JSON type.
func shape(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not a JSON object: %s", body)
	}
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprintf("%T", v)
	}
	return out
}

// keyOrder lists the keys of a flat JSON object in the order written.
func keyOrder(body []byte) []string {
	var keys []string
	for _, m := range regexp.MustCompile(`"([a-z_]+)"\s*:`).FindAllSubmatch(body, -1) {
		keys = append(keys, string(m[1]))
	}
	return keys
}

// TestGoldenLegacyExamples asserts each example of the legacy document: the
// same status, keys (in the same order), JSON types, and time format.
func TestGoldenLegacyExamples(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		stampRe := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
		check := func(t *testing.T, got []byte, example string) {
			t.Helper()
			if g, w := shape(t, got), shape(t, []byte(example)); !reflect.DeepEqual(g, w) {
				t.Fatalf("shape %v, want %v", g, w)
			}
			if g, w := keyOrder(got), keyOrder([]byte(example)); !reflect.DeepEqual(g, w) {
				t.Fatalf("key order %v, want %v", g, w)
			}
			var m map[string]any
			_ = json.Unmarshal(got, &m)
			for _, k := range []string{"created_at", "updated_at"} {
				if s, ok := m[k].(string); ok && !stampRe.MatchString(s) {
					t.Fatalf("%s = %q is not RFC 3339 whole-second UTC", k, s)
				}
			}
		}
		var created string
		t.Run("create-201/the POST example", func(t *testing.T) {
			rec := e.call(t, http.MethodPost, "/v1/users", e.adminTok, legacyPostBody)
			if rec.Code != http.StatusCreated {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			check(t, rec.Body.Bytes(), legacyPost201)
			created = rec.Header().Get("Location")
		})
		t.Run("get-200/the GET example", func(t *testing.T) {
			rec := e.call(t, http.MethodGet, created, e.adminTok, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			check(t, rec.Body.Bytes(), legacyGet200)
		})
		t.Run("delete-204/the DELETE example has no content", func(t *testing.T) {
			rec := e.call(t, http.MethodDelete, created, e.adminTok, nil)
			if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
				t.Fatalf("got %d %q", rec.Code, rec.Body)
			}
		})
	})
}
