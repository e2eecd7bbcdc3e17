package accounts_test

import (
	"testing"

	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
)

// TestNormalizeOrigin: what a browser application may register as an
// origin, in the form browsers send it in the Origin header.
func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://spa.example":          "https://spa.example",
		"https://SPA.example:8443/":    "https://spa.example:8443",
		"http://localhost:5173":        "http://localhost:5173",
		"http://[::1]:3000":            "http://[::1]:3000",
		"http://spa.example":           "", // plain http off loopback
		"https://spa.example/app":      "", // a path is no origin
		"https://spa.example?x=1":      "",
		"https://spa.example#x":        "",
		"https://u@spa.example":        "",
		"*":                            "",
		"null":                         "",
		"https://evil.example;x":       "",
		"https://spa.example\x00.evil": "",
		"spa.example":                  "",
	} {
		got, ok := accounts.NormalizeOrigin(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestCheckAppInputLogoutAndOrigins: post-logout URIs follow the redirect
// URIs' rules; origins need a public client and a valid origin, and the
// error names the field at fault.
func TestCheckAppInputLogoutAndOrigins(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    accounts.AppInput
		field string
	}{
		{"ok", accounts.AppInput{Name: "a", Public: true, PostLogoutRedirectURIs: []string{"https://spa.example/bye"},
			AllowedOrigins: []string{"https://spa.example"}}, ""},
		{"bad logout uri", accounts.AppInput{Name: "a", PostLogoutRedirectURIs: []string{"http://spa.example/bye"}}, "postLogoutRedirectUris"},
		{"origin on confidential", accounts.AppInput{Name: "a", AllowedOrigins: []string{"https://spa.example"}}, "allowedOrigins"},
		{"bad origin", accounts.AppInput{Name: "a", Public: true, AllowedOrigins: []string{"https://spa.example/x"}}, "allowedOrigins"},
	} {
		err := accounts.CheckAppInput(tc.in)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if e := apperr.As(err); e == nil || e.Field != tc.field {
			t.Errorf("%s: got %v, want invalid on %s", tc.name, err, tc.field)
		}
	}
}
