package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrustedProxiesSetting covers --trusted-proxies / TRUSTED_PROXIES.
func TestTrustedProxiesSetting(t *testing.T) {
	load := func(t *testing.T, args ...string) (string, error) {
		t.Helper()
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		resolve := serverFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		cfg, err := resolve()
		return cfg.TrustedProxies.String(), err
	}
	t.Run("default trusts no proxy", func(t *testing.T) {
		t.Setenv("TRUSTED_PROXIES", "")
		if got, err := load(t); got != "" || err != nil {
			t.Fatalf("%q, %v", got, err)
		}
	})
	t.Run("flag read as CIDRs", func(t *testing.T) {
		if got, err := load(t, "--trusted-proxies", "10.0.0.0/8, fd00::/8"); got != "10.0.0.0/8,fd00::/8" || err != nil {
			t.Fatalf("%q, %v", got, err)
		}
	})
	t.Run("environment read when the flag is absent", func(t *testing.T) {
		t.Setenv("TRUSTED_PROXIES", "192.0.2.0/24")
		if got, err := load(t); got != "192.0.2.0/24" || err != nil {
			t.Fatalf("%q, %v", got, err)
		}
	})
	t.Run("serve refuses to start on an invalid CIDR, saying which", func(t *testing.T) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/8,10.0.0.0/33",
			"--database", "sqlite://" + filepath.Join(t.TempDir(), "app.db")}, &out, &out)
		want := `--trusted-proxies / TRUSTED_PROXIES: "10.0.0.0/8,10.0.0.0/33" is not valid: "10.0.0.0/33" is not a CIDR such as 10.0.0.0/8 or fd00::/8`
		if err == nil || err.Error() != want {
			t.Fatalf("serve: %v\nwant %s", err, want)
		}
	})
	t.Run("a typo with address bits past the prefix is refused", func(t *testing.T) {
		if _, err := load(t, "--trusted-proxies", "10.0.0.1/8"); err == nil || !strings.Contains(err.Error(), "write 10.0.0.0/8 for the network") {
			t.Fatalf("%v", err)
		}
	})
}
