package edufocus_test

import (
	"net/http"
	"testing"

	"userbridge/internal/rules/imagedata/imagetest"
	"userbridge/internal/store/db/dbtest"
)

// Every image attack of the issue, uploaded with POST /files (sniffed as
// image/png or image/gif from its first bytes) then adopted by PATCH
// /users/@current, is refused with invalid_avatar: Edu-Focus adopted a 0x0
// PNG, header bombs and garbage.
func TestAvatarImageAttacksAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		for _, a := range imagetest.Attacks() {
			t.Run(a.Name, func(t *testing.T) {
				id := e.uploadID(t, e.dTok, "avatar."+a.Format, a.Data)
				expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, `{"avatar":"`+id+`"}`),
					400, failure(400, "invalid_avatar"))
				if u := e.reload(t, e.dev.ID); u.AvatarID != nil {
					t.Fatalf("avatar adopted: %d", *u.AvatarID)
				}
			})
		}
		t.Run("a whole image is still adopted", func(t *testing.T) {
			id := e.uploadID(t, e.dTok, "me.jpg", imagetest.JPEG(16, 16))
			expect(t, e.call(t, http.MethodPatch, "/users/@current", e.dTok, `{"avatar":"`+id+`"}`), 200, message(200, "updated"))
		})
	})
}
