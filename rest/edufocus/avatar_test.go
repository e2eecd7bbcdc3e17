package edufocus_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// uploadID uploads content for token and returns the id POST /files gave.
func (e *env) uploadID(t *testing.T, token, name string, content []byte) string {
	t.Helper()
	rec := e.upload(t, token, name, content)
	var out struct {
		Payload struct{ ID string } `json:"payload"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.Payload.ID == "" {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
	}
	return out.Payload.ID
}

func TestPatchAvatar(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		patch := func(body string) string {
			return e.call(t, http.MethodPatch, "/users/@current", e.dTok, body).Body.String()
		}
		id := e.uploadID(t, e.dTok, "me.png", pngBytes)
		t.Run("patch-200 updated adopting a temporary image", func(t *testing.T) {
			if got := patch(`{"avatar":"` + id + `"}`); got != message(200, "updated") {
				t.Fatal(got)
			}
			u := e.reload(t, e.dev.ID)
			if u.AvatarID == nil || fmt.Sprint(*u.AvatarID) != id {
				t.Fatalf("avatar %v, want %s", u.AvatarID, id)
			}
			expect(t, e.call(t, http.MethodGet, "/users/@current", e.dTok, nil), 200, success(userJSON(u, allScopes...)))
		})
		t.Run("patch-202 nothing_changed sending the current avatar", func(t *testing.T) {
			expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, `{"avatar":"`+id+`"}`), 202, message(202, "nothing_changed"))
		})
		t.Run("patch-400 invalid_avatar for another user's file", func(t *testing.T) {
			other := e.User(t, "other@edu-focus.org")
			theirs := e.uploadID(t, e.Token(t, other), "o.png", pngBytes)
			expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, `{"avatar":"`+theirs+`"}`), 400, failure(400, "invalid_avatar"))
		})
		t.Run("patch-400 invalid_avatar for a file that is not an image", func(t *testing.T) {
			txt := e.uploadID(t, e.dTok, "notes.txt", []byte("hello"))
			expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, `{"avatar":"`+txt+`"}`), 400, failure(400, "invalid_avatar"))
		})
		t.Run("patch-400 invalid_avatar changes no other field", func(t *testing.T) {
			expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, `{"username":"Renamed","avatar":"999"}`),
				400, failure(400, "invalid_avatar"))
			if u := e.reload(t, e.dev.ID); u.Username != "Developer" {
				t.Fatalf("username changed to %s", u.Username)
			}
		})
		t.Run("patch-400 used_username adopts no avatar", func(t *testing.T) {
			e.User(t, "taken@edu-focus.org", func(in *accounts.CreateInput) { in.Username = new("Taken") })
			fresh := e.uploadID(t, e.dTok, "new.png", pngBytes)
			expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, `{"username":"Taken","avatar":"`+fresh+`"}`),
				400, failure(400, "used_username"))
			if u := e.reload(t, e.dev.ID); fmt.Sprint(*u.AvatarID) != id {
				t.Fatalf("avatar changed to %d", *u.AvatarID)
			}
		})
		t.Run("patch-200 updated removing the avatar", func(t *testing.T) {
			expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, `{"avatar":null}`), 200, message(200, "updated"))
			if u := e.reload(t, e.dev.ID); u.AvatarID != nil {
				t.Fatalf("avatar still %d", *u.AvatarID)
			}
		})
	})
}
