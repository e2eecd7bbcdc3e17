package files_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
)

func TestDownloadLink(t *testing.T) {
	each(t, func(t *testing.T, st stores) {
		c := newClock()
		env := apptest.New(t, st.db, func(cfg *app.Config) {
			cfg.StorageURL, cfg.Now, cfg.SweepEvery = st.storage, c.Now, -1
		})
		u := env.User(t, "a@example.com")
		v := &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
		data := bytes.Repeat([]byte("0123456789"), 100)
		f, err := env.Files.UploadUserFile(context.Background(), v, u.ID,
			files.Upload{Name: "résumé 1.txt", Body: bytes.NewReader(data)}, files.UserFileInput{})
		if err != nil {
			t.Fatal(err)
		}
		link := env.Files.URL(f)
		prefix := apptest.PublicURL + "/files/"
		if !strings.HasPrefix(link, prefix) || !strings.HasSuffix(link, "/r%C3%A9sum%C3%A9%201.txt") {
			t.Fatalf("link %s", link)
		}
		path := strings.TrimPrefix(link, apptest.PublicURL)
		signed := strings.Split(strings.TrimPrefix(path, "/files/"), "/")[0]
		if strings.ContainsAny(signed, "+/=") {
			t.Fatalf("signed part is not base64url: %s", signed)
		}

		get := func(method, p string, hdr ...string) *http.Response {
			req := apptest.Request(method, p, "", nil)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			return env.Do(req).Result()
		}
		t.Run("get-200", func(t *testing.T) {
			res := get("GET", path)
			body := readAll(t, res)
			if res.StatusCode != 200 || !bytes.Equal(body, data) {
				t.Fatalf("status %d, %d bytes", res.StatusCode, len(body))
			}
			want := map[string]string{
				"Content-Type":        "text/plain; charset=utf-8",
				"Content-Disposition": `attachment; filename="r_sum_ 1.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%201.txt`,
				"Etag":                `"` + f.Sha256 + `"`,
				"Accept-Ranges":       "bytes",
				"Content-Length":      "1000",
			}
			for k, w := range want {
				if got := res.Header.Get(k); got != w {
					t.Errorf("%s = %q, want %q", k, got, w)
				}
			}
		})
		t.Run("head-200", func(t *testing.T) {
			res := get("HEAD", path)
			if res.StatusCode != 200 || len(readAll(t, res)) != 0 || res.Header.Get("Content-Length") != "1000" {
				t.Fatalf("HEAD status %d", res.StatusCode)
			}
		})
		t.Run("range-206", func(t *testing.T) {
			res := get("GET", path, "Range", "bytes=10-19")
			if body := readAll(t, res); res.StatusCode != 206 || string(body) != "0123456789" ||
				res.Header.Get("Content-Range") != "bytes 10-19/1000" {
				t.Fatalf("status %d body %q range %q", res.StatusCode, body, res.Header.Get("Content-Range"))
			}
		})
		t.Run("etag-304", func(t *testing.T) {
			if res := get("GET", path, "If-None-Match", `"`+f.Sha256+`"`); res.StatusCode != 304 {
				t.Fatalf("status %d", res.StatusCode)
			}
		})
		t.Run("tampered-403", func(t *testing.T) {
			b := []byte(signed)
			b[2] ^= 1
			for _, p := range []string{"/files/" + string(b) + "/x.txt", "/files/!!/x.txt", "/files/AAAA/x.txt"} {
				if res := get("GET", p); res.StatusCode != 403 {
					t.Errorf("%s: status %d", p, res.StatusCode)
				}
			}
		})
		t.Run("expired-403", func(t *testing.T) {
			old := strings.TrimPrefix(env.Files.URLAt(f, c.Now().Add(-time.Second)), apptest.PublicURL)
			res := get("GET", old)
			if body := readAll(t, res); res.StatusCode != 403 ||
				string(body) != `{"status":{"code":403,"message":"This link has expired."}}`+"\n" {
				t.Fatalf("status %d body %s", res.StatusCode, body)
			}
		})
		t.Run("deleted-404", func(t *testing.T) {
			if err := env.Files.DeleteUserFile(context.Background(), v, f.ID); err != nil {
				t.Fatal(err)
			}
			if res := get("GET", path); res.StatusCode != 404 {
				t.Fatalf("status %d", res.StatusCode)
			}
		})
		t.Run("readyz-checks-storage", func(t *testing.T) {
			if res := get("GET", "/readyz"); res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
		})
	})
}

func readAll(t *testing.T, res *http.Response) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := b.ReadFrom(res.Body); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
