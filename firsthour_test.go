package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeBannerNamesTheStore: the start banner says which database and
// which storage the server uses (absolute paths, so that a server started
// in the wrong folder shows it), the public URL and the playground's, and
// the empty-database hint is a command that works for this binary.
func TestServeBannerNamesTheStore(t *testing.T) {
	dir := t.TempDir()
	dbURL := "sqlite://" + filepath.Join(dir, "app.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--database", dbURL,
			"--storage", "file://" + filepath.Join(dir, "files"), "--log-format", "json"}, &stderr, &stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(stderr.String(), "\n") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(stderr.String(), "\n")
	var banner struct {
		Msg, Addr, Database, Storage, Playground, Metrics string
		PublicURL                                         string `json:"public_url"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &banner); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if banner.Database != dbURL || banner.Storage != "file://"+filepath.Join(dir, "files") ||
		banner.PublicURL != "http://"+banner.Addr || banner.Playground != banner.PublicURL+"/graphiql" || banner.Metrics == "" {
		t.Errorf("banner %+v", banner)
	}
	var hint struct{ Msg string }
	if err := json.Unmarshal([]byte(lines[1]), &hint); err != nil {
		t.Fatalf("%v: %s", err, lines[1])
	}
	want := "`" + commandName() + " user create --admin --email you@example.com --password-stdin --database '" + dbURL + "'`"
	if !strings.HasPrefix(hint.Msg, "empty database") || !strings.Contains(hint.Msg, want) {
		t.Errorf("hint %q, want it to hold %s", hint.Msg, want)
	}
}

// TestHintNamesTheRunningBinary: the hint is `go run .` only under go run.
func TestHintNamesTheRunningBinary(t *testing.T) {
	saved := os.Args[0]
	defer func() { os.Args[0] = saved }()
	for arg0, want := range map[string]string{
		"/tmp/go-build2813/b001/exe/userbridge": "go run .",
		"./userbridge":                          "./userbridge",
		"userbridge":                            "userbridge",
		"/usr/local/bin/userbridge":             "/usr/local/bin/userbridge",
	} {
		os.Args[0] = arg0
		if got := firstAdminHint("sqlite://./data/app.db"); got != want+" user create --admin --email you@example.com --password-stdin" {
			t.Errorf("%s: %q", arg0, got)
		}
	}
}

// TestStoreDescriptionsHideSecrets: what the banner and the commands print
// about the store never holds a password or a secret parameter.
func TestStoreDescriptionsHideSecrets(t *testing.T) {
	for raw, want := range map[string]string{
		"postgres://app:s3cr3t@db.example:5432/users?sslmode=require":    "postgres://app:xxxxx@db.example:5432/users?sslmode=require",
		"postgres://app@db.example/users?password=s3cr3t&sslmode=verify": "postgres://app@db.example/users?password=xxxxx&sslmode=verify",
		"host=db.example user=app password=s3cr3t dbname=users":          "host=db.example user=app password=xxxxx dbname=users",
	} {
		if got := describeDatabase(raw); got != want {
			t.Errorf("describeDatabase(%q) = %q, want %q", raw, got, want)
		}
	}
	if got := describeStorage("s3://bucket?region=eu-west-1&secret_access_key=s3cr3t"); strings.Contains(got, "s3cr3t") || !strings.Contains(got, "region=eu-west-1") {
		t.Errorf("describeStorage: %q", got)
	}
	wd, _ := os.Getwd()
	if got := describeDatabase("sqlite://./data/app.db"); got != "sqlite://"+filepath.Join(wd, "data", "app.db") {
		t.Errorf("describeDatabase(sqlite relative) = %q", got)
	}
}

// TestCtrlCOnATerminalStopsAtOnce: the drain delay is for load balancers;
// on a terminal nobody polls /readyz, so Ctrl-C stops at once unless a
// delay was asked for.
func TestCtrlCOnATerminalStopsAtOnce(t *testing.T) {
	for _, c := range []struct {
		given, terminal bool
		want            time.Duration
	}{
		{false, true, 0},
		{true, true, 5 * time.Second},
		{false, false, 5 * time.Second},
		{true, false, 5 * time.Second},
	} {
		if got := drainDelay(5*time.Second, c.given, c.terminal); got != c.want {
			t.Errorf("given %v, terminal %v: %v, want %v", c.given, c.terminal, got, c.want)
		}
	}
}
