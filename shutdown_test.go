package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"userbridge/internal/store/db/dbtest"
)

// TestShutdownCancelsARequestLongerThanTheGrace stops a server (as SIGTERM
// does) while an upload is stalled mid-body, longer than the drain delay
// plus the shutdown grace. The upload must be cancelled cleanly: its
// temporary file removed, the process ending with no error (exit code 0),
// and every line it wrote, the warning that says so included, JSON.
func TestShutdownCancelsARequestLongerThanTheGrace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) { shutdownCancelsAStalledUpload(t, dbURL) })
}

func shutdownCancelsAStalledUpload(t *testing.T, dbURL string) {
	storage := filepath.Join(t.TempDir(), "files")
	ok(t, "", "user", "create", "--email", "slow@example.com", "--database", dbURL)
	token := strings.TrimSpace(ok(t, "", "token", "create", "--user", "slow@example.com", "--database", dbURL))

	addr := freeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--drain-delay", "0", "--shutdown-grace", "1s",
			"--log-format", "json", "--sweep-interval", "0", "--database", dbURL, "--storage", "file://" + storage},
			io.Discard, &logs)
	}()
	waitReady(t, "http://"+addr)

	// An upload that sends its headers and the start of its file, then
	// stalls: the blob store holds its temporary file.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	part := "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.bin\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n" + strings.Repeat("x", 64<<10)
	fmt.Fprintf(conn, "POST /api/v1/users/user_files/upload HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: %d\r\n\r\n%s", addr, token, 10<<20, part)
	waitFor(t, "the upload's temporary file", func() bool { return len(temporaryFiles(t, storage)) == 1 })

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve ended with %v: the process would exit 1", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if left := temporaryFiles(t, storage); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	cancelled := false
	for line := range strings.Lines(logs.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		switch m["msg"] {
		case "shutdown grace over: cancelling requests still running":
			cancelled = m["requests"] == 1.0
		case "cancelled requests did not return: closing the database under them":
			t.Errorf("the cancelled upload did not return: %v", m)
		}
	}
	if !cancelled {
		t.Errorf("no warning that one request was cancelled:\n%s", logs.String())
	}
}

// temporaryFiles lists the blob store's temporary files (fileblob's *.tmp).
func temporaryFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// waitReady waits until base's /readyz answers 200.
func waitReady(t *testing.T, base string) {
	t.Helper()
	waitFor(t, "the server to be ready", func() bool {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// waitFor polls cond until it holds, for 20 seconds at most.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
