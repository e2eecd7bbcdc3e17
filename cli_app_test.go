package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

// TestAppSettings: app create refuses an application that could never sign
// anyone in, naming the flag; show and list print every setting; update
// changes the settings given, with the rules create applies.
func TestAppSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		with := func(args ...string) []string { return append(args, store(t, dbURL)...) }
		t.Run("create-2 an application that could never sign anyone in, named by its flag", func(t *testing.T) {
			dir := t.TempDir()
			fresh := "sqlite://" + filepath.Join(dir, "app.db")
			for _, c := range []struct {
				args []string
				msg  string
			}{
				{[]string{"--public"}, "--redirect-uri: a public client signs people in only through the code flow"},
				{[]string{"--public", "--scopes", "identity"}, "--redirect-uri: a public client"},
				{[]string{"--public", "--redirect-uri", "https://web.example/cb"}, "--scopes: an application signing people in needs at least one scope"},
				{[]string{"--redirect-uri", "https://web.example/cb"}, "--scopes: an application signing people in"},
				{[]string{"--redirect-uri", "ftp://web.example/cb", "--scopes", "identity"}, `--redirect-uri: redirect URI "ftp://web.example/cb" must be absolute`},
				{[]string{"--public", "--redirect-uri", "https://web.example/cb", "--scopes", "identity", "--post-logout-uri", "https://web.example/#x"}, "--post-logout-uri: post-logout redirect URI"},
				{[]string{"--redirect-uri", "https://web.example/cb", "--scopes", "identity", "--origin", "https://web.example"}, "--origin: allowed origins are for a public client"},
				{[]string{"--public", "--redirect-uri", "https://web.example/cb", "--scopes", "identity", "--origin", "https://web.example/path"}, `--origin: origin "https://web.example/path" must be`},
				{[]string{"--public", "--redirect-uri", "https://web.example/cb", "--scopes", "identity,root"}, `--scopes: unknown scope "root"`},
			} {
				fails(t, 2, c.msg, append([]string{"app", "create", "--name", "Web"}, append(c.args, "--database", fresh)...)...)
			}
			if _, err := os.Stat(filepath.Join(dir, "app.db")); !os.IsNotExist(err) {
				t.Fatalf("a refused app create made a database: %v", err)
			}
		})

		web := strings.TrimSpace(ok(t, "", with("app", "create", "--name", "Web", "--public", "--redirect-uri", "https://web.example/cb",
			"--redirect-uri", "http://127.0.0.1/cb", "--post-logout-uri", "https://web.example/bye", "--scopes", "identity,email",
			"--origin", "HTTPS://Web.Example/")...))
		legacy := strings.Fields(ok(t, "", with("app", "create", "--name", "Legacy", "--verified", "--permissions", "users:read")...))[0]

		t.Run("show and list print every setting", func(t *testing.T) {
			var got appJSON
			if err := json.Unmarshal([]byte(ok(t, "", with("app", "show", web, "-o", "json")...)), &got); err != nil {
				t.Fatal(err)
			}
			if got.Type != "public" || strings.Join(got.RedirectURIs, " ") != "https://web.example/cb http://127.0.0.1/cb" ||
				strings.Join(got.PostLogoutRedirectURIs, " ") != "https://web.example/bye" || strings.Join(got.Scopes, ",") != "identity,email" ||
				strings.Join(got.AllowedOrigins, " ") != "https://web.example" || len(got.Permissions) != 0 || got.Secret != "" {
				t.Fatalf("app show -o json: %+v", got)
			}
			text := ok(t, "", with("app", "show", web)...)
			for _, line := range []string{"type:             public", "redirect uris:    https://web.example/cb http://127.0.0.1/cb",
				"post-logout uris: https://web.example/bye", "scopes:           identity email", "origins:          https://web.example"} {
				if !strings.Contains(text, line+"\n") {
					t.Errorf("app show lacks %q:\n%s", line, text)
				}
			}
			raw := ok(t, "", with("app", "list", "--json")...)
			var list []appJSON
			if err := json.Unmarshal([]byte(raw), &list); err != nil || len(list) != 2 {
				t.Fatalf("app list --json: %v %s", err, raw)
			}
			if list[0].ClientID != web || list[1].Type != "confidential" || list[1].RedirectURIs == nil || list[1].AllowedOrigins == nil ||
				!strings.Contains(raw, `"redirect_uris": []`) || !strings.Contains(raw, `"post_logout_redirect_uris": [`) {
				t.Fatalf("app list --json: %s", raw)
			}
			if out := ok(t, "", with("app", "list")...); !strings.Contains(out, "TYPE") || !strings.Contains(out, "confidential") {
				t.Fatalf("app list:\n%s", out)
			}
		})

		t.Run("update-200 changes only the settings given", func(t *testing.T) {
			var got appJSON
			if err := json.Unmarshal([]byte(ok(t, "", with("app", "update", web, "--name", "Web 2", "--scopes", "identity",
				"--redirect-uri", "https://web.example/cb2", "--post-logout-uri", "", "--origin", "https://app.example:8443", "-o", "json")...)), &got); err != nil {
				t.Fatal(err)
			}
			if got.Name != "Web 2" || strings.Join(got.Scopes, ",") != "identity" || strings.Join(got.RedirectURIs, " ") != "https://web.example/cb2" ||
				len(got.PostLogoutRedirectURIs) != 0 || strings.Join(got.AllowedOrigins, " ") != "https://app.example:8443" || got.Type != "public" {
				t.Fatalf("app update: %+v", got)
			}
			if err := json.Unmarshal([]byte(ok(t, "", with("app", "update", "--app", legacy, "--verified=false", "--permissions", "users:read,users:write", "-o", "json")...)), &got); err != nil {
				t.Fatal(err)
			}
			if got.Verified || !slices.Equal(got.Permissions, []string{"users:read", "users:write"}) || got.Name != "Legacy" || got.Type != "confidential" {
				t.Fatalf("app update --app: %+v", got)
			}
			// A client registered without scopes keeps working until its
			// redirect URIs or scopes change.
			ok(t, "", with("app", "update", legacy, "--name", "Legacy 2")...)
		})

		t.Run("update-2 refuses what create refuses, naming the flag", func(t *testing.T) {
			fails(t, 2, "--redirect-uri: a public client signs people in only through the code flow", with("app", "update", web, "--redirect-uri", "")...)
			fails(t, 2, "--scopes: an application signing people in", with("app", "update", web, "--scopes", "")...)
			fails(t, 2, "--scopes: an application signing people in", with("app", "update", legacy, "--redirect-uri", "https://legacy.example/cb")...)
			fails(t, 2, "--origin: allowed origins are for a public client", with("app", "update", legacy, "--origin", "https://legacy.example")...)
			fails(t, 2, `--origin: origin "javascript:alert(1)" must be`, with("app", "update", web, "--origin", "javascript:alert(1)")...)
			fails(t, 2, "--name: name must be 1 to 255 characters", with("app", "update", web, "--name", " ")...)
			fails(t, 2, `--permissions: unknown permission "users:all"`, with("app", "update", web, "--permissions", "users:all")...)
			fails(t, 2, "nothing to change", with("app", "update", web)...)
			fails(t, 2, "CLIENT_ID is required: userbridge app update CLIENT_ID, or --app CLIENT_ID", with("app", "update", "--name", "X")...)
			fails(t, 1, "--app: no application with client id nope", with("app", "update", "nope", "--name", "X")...)
			var got appJSON
			if err := json.Unmarshal([]byte(ok(t, "", with("app", "show", web, "--json")...)), &got); err != nil || got.Name != "Web 2" ||
				strings.Join(got.RedirectURIs, " ") != "https://web.example/cb2" || strings.Join(got.Scopes, ",") != "identity" {
				t.Fatalf("a refused update changed the application: %v %+v", err, got)
			}
		})
	})
}
