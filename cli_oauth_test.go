package main

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"userbridge/ent/application"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// TestAppCreateOAuthFlags: app create registers OAuth clients, confidential
// (id and secret printed) or public (id only), and refuses a redirect URI
// that could not be one.
func TestAppCreateOAuthFlags(t *testing.T) {
	dbURL := dbtest.URL(t, dbtest.SQLite)
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(args, "--database", dbURL), &out, io.Discard)
		return strings.TrimSpace(out.String()), err
	}
	out, err := cli("app", "create", "--name", "Web", "--redirect-uri", "https://web.example/cb",
		"--redirect-uri", "https://web.example/cb2,http://127.0.0.1/cb", "--scopes", "identity,email")
	if f := strings.Fields(out); err != nil || len(f) != 2 || len(f[1]) != 43 {
		t.Fatalf("confidential: %q %v", out, err)
	}
	id := strings.Fields(out)[0]
	out, err = cli("app", "create", "--name", "Mobile", "--public", "--redirect-uri", "com.example.app:/cb", "--scopes", "identity")
	if err != nil || len(out) != 32 {
		t.Fatalf("public: %q %v", out, err)
	}
	env := apptest.New(t, dbURL)
	web := env.Store.Client.Application.Query().Where(application.ClientID(id)).OnlyX(t.Context())
	if !slices.Equal(web.RedirectUris, []string{"https://web.example/cb", "https://web.example/cb2", "http://127.0.0.1/cb"}) ||
		!slices.Equal(web.Scopes, []string{"identity", "email"}) || web.Public {
		t.Errorf("confidential application = %+v", web)
	}
	mobile := env.Store.Client.Application.Query().Where(application.ClientID(out)).OnlyX(t.Context())
	if !mobile.Public || mobile.SecretHash != "" {
		t.Errorf("public application = %+v", mobile)
	}
	for _, bad := range []string{"http://web.example/cb", "https://web.example/cb#frag", "/relative", "javascript:alert(1)"} {
		if _, err := cli("app", "create", "--name", "Bad", "--redirect-uri", bad, "--scopes", "identity"); err == nil || !strings.Contains(err.Error(), "--redirect-uri: redirect URI") {
			t.Errorf("redirect URI %q accepted", bad)
		}
	}
	if _, err := cli("app", "create", "--name", "Bad", "--scopes", "everything"); err == nil {
		t.Errorf("unknown scope accepted")
	}
}
