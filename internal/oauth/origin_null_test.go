package oauth_test

import (
	"net/http"
	"strings"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

// TestAccountFormsOriginNull: the screens send Referrer-Policy
// no-referrer, so a browser posts the account page's own forms with
// "Origin: null" (headless Chromium showed every account form refused).
// Such a post is accepted when Sec-Fetch-Site says same-origin, and
// refused when it says cross-site or says nothing, as a sandboxed page
// elsewhere or an old browser would post it.
func TestAccountFormsOriginNull(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		w := newWorld(t, dbURL)
		for _, c := range []struct {
			site string
			want int
		}{
			{"same-origin", http.StatusSeeOther},
			{"cross-site", http.StatusForbidden},
			{"same-site", http.StatusForbidden},
			{"", http.StatusForbidden},
		} {
			b := newBrowser(t)
			f := b.get(w.base + "/oauth/account/signin").fields()
			f.Set("email", w.user.Email)
			f.Set("password", "password123")
			req, _ := http.NewRequest("POST", w.base+"/oauth/account/signin", strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "null")
			if c.site != "" {
				req.Header.Set("Sec-Fetch-Site", c.site)
			}
			if p := stay(b).do(req); p.status != c.want {
				t.Errorf("Origin: null, Sec-Fetch-Site %q: %d, want %d %s", c.site, p.status, c.want, p.body)
			}
		}
	})
}
