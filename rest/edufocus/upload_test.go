package edufocus_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"userbridge/ent/file"
	"userbridge/internal/app"
	"userbridge/internal/store/db/dbtest"
)

func TestUpload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url, func(c *app.Config) { c.MaxUploadBytes = 1 << 10 })
		app, secret := e.Application(t, "alone", true, "users:read")
		t.Run("upload-200 a temporary file with its sniffed type", func(t *testing.T) {
			rec := e.upload(t, e.dTok, "../me.png", pngBytes)
			f := e.Store.Client.File.Query().Where(file.KindEQ(file.KindTemporary)).OnlyX(t.Context())
			want := success(fmt.Sprintf(`{"id":"%d","name":"me.png","size":%d,"type":"image/png"}`, f.ID, len(pngBytes)))
			expect(t, rec, 200, want)
			if f.OwnerID != e.dev.ID || f.ExpiresAt == nil {
				t.Fatalf("owner %d expires %v", f.OwnerID, f.ExpiresAt)
			}
		})
		cases := []struct {
			name   string
			req    *http.Request
			status int
			msg    string
		}{
			{"upload-400 invalid_body without the part file", uploadRequest(e.dTok, "picture", "a.png", pngBytes), 400, "invalid_body"},
			{"upload-400 invalid_body for a JSON body", apptestRequest(http.MethodPost, "/files", e.dTok, `{"file":"x"}`), 400, "invalid_body"},
			{"upload-413 payload_too_large", uploadRequest(e.dTok, "file", "big.bin", []byte(strings.Repeat("x", 2<<10))), 413, "payload_too_large"},
			{"upload-403 forbidden for an application alone", basicUpload(app.ClientID, secret), 403, "forbidden"},
			{"upload-401 missing_authorization", uploadRequest("", "file", "a.png", pngBytes), 401, "missing_authorization"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expect(t, e.do(t, c.req), c.status, failure(c.status, c.msg))
			})
		}
		if n := e.Store.Client.File.Query().CountX(t.Context()); n != 1 {
			t.Fatalf("%d files stored, want only the successful upload", n)
		}
	})
}

func basicUpload(clientID, secret string) *http.Request {
	r := uploadRequest("", "file", "a.png", pngBytes)
	b := basic(http.MethodPost, "/files", clientID, secret, nil)
	r.Header.Set("Authorization", b.Header.Get("Authorization"))
	return r
}
