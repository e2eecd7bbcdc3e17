package accounts_test

import (
	"testing"

	"userbridge/internal/rules/accounts"
)

// TestValidRedirectURI: what an application may register as a redirect
// URI. Its origin goes into the screens' Content-Security-Policy, so a
// host must be a DNS name or an address, nothing that adds a directive.
func TestValidRedirectURI(t *testing.T) {
	for uri, want := range map[string]bool{
		"https://notes.example/cb":            true,
		"http://127.0.0.1:8080/cb":            true,
		"http://[::1]/cb":                     true,
		"com.example.notes:/cb":               true,
		"http://notes.example/cb":             false, // plain http off loopback
		"https://notes.example/cb#frag":       false,
		"https://user@notes.example/cb":       false,
		"/relative":                           false,
		"javascript:alert(1)":                 false,
		"https://evil.example;report-uri/cb":  false,
		"https://evil.example,'unsafe'/cb":    false,
		"https://evil.example%3Breport-uri/x": false,
	} {
		if got := accounts.ValidRedirectURI(uri); got != want {
			t.Errorf("ValidRedirectURI(%q) = %v, want %v", uri, got, want)
		}
	}
}
