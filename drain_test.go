package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"userbridge/internal/testaddr"
)

// freeAddr returns a loopback address a child process can bind.
func freeAddr(t testing.TB) string { return testaddr.Loopback(t) }

// TestStopFailsReadinessBeforeClosing stops a server (as SIGTERM does) and
// expects /readyz to answer 503 "draining" at once while every other
// request is still served, for DRAIN_DELAY, and only then the listener to
// close.
func TestStopFailsReadinessBeforeClosing(t *testing.T) {
	addr := freeAddr(t)
	base := "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--drain-delay", "2s", "--log-format", "text",
			"--database", "sqlite://" + filepath.Join(t.TempDir(), "app.db"),
			"--storage", "file://" + filepath.Join(t.TempDir(), "files")}, io.Discard, &out)
	}()
	get := func(path string) (int, string, error) {
		res, err := http.Get(base + path)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), nil
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, _, err := get("/readyz"); err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server never became ready")
		}
		time.Sleep(50 * time.Millisecond)
	}

	stopped := time.Now()
	cancel()
	t.Run("readyz fails at once with draining", func(t *testing.T) {
		deadline := time.Now().Add(time.Second)
		for {
			code, body, err := get("/readyz")
			if err != nil {
				t.Fatalf("listener closed during the drain delay: %v", err)
			}
			if code == 503 {
				if !strings.Contains(body, `"draining"`) {
					t.Fatalf("readyz: %d %s", code, body)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("readyz still %d a second after the stop", code)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Run("other requests are still served while draining", func(t *testing.T) {
		if code, body, err := get("/healthz"); err != nil || code != 200 {
			t.Fatalf("healthz while draining: %d %s %v", code, body, err)
		}
	})
	t.Run("the listener closes after the delay", func(t *testing.T) {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
		}
		if d := time.Since(stopped); d < 2*time.Second {
			t.Fatalf("stopped %v after the signal, before the 2s drain delay", d)
		}
		if _, _, err := get("/healthz"); err == nil {
			t.Fatal("still listening after the stop")
		}
	})
}
