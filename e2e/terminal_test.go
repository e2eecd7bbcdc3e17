package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCtrlCOnATerminalStopsAtOnce runs the binary on a pseudo-terminal
// (script(1)) and presses Ctrl-C: the server stops at once, where it used
// to keep serving for the whole drain delay (5 s) meant for load
// balancers. With DRAIN_DELAY set, the delay still applies.
func TestCtrlCOnATerminalStopsAtOnce(t *testing.T) {
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) (util-linux) is needed for a pseudo-terminal")
	}
	for _, c := range []struct {
		name     string
		env      []string
		min, max time.Duration
	}{
		{"without DRAIN_DELAY: at once", nil, 0, 3 * time.Second},
		{"with DRAIN_DELAY=4s: after the delay", []string{"DRAIN_DELAY=4s"}, 4 * time.Second, 15 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			addr := freeAddr(t)
			line := fmt.Sprintf("%s serve --addr %s --database sqlite://%s --storage file://%s",
				binary(t), addr, filepath.Join(dir, "app.db"), filepath.Join(dir, "files"))
			cmd := exec.Command(scriptBin, "-qfec", line, "/dev/null")
			cmd.Env = append(withoutVar(os.Environ(), "DRAIN_DELAY"), c.env...)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var out bytes.Buffer
			cmd.Stdout = lockedBuffer{&mu, &out}
			cmd.Stderr = cmd.Stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			defer func() {
				select {
				case <-done:
				default:
					_ = cmd.Process.Kill()
					<-done
				}
			}()
			deadline := time.Now().Add(60 * time.Second)
			for {
				res, err := client.Get("http://" + addr + "/healthz")
				if err == nil {
					res.Body.Close()
					if res.StatusCode == http.StatusOK {
						break
					}
				}
				if time.Now().After(deadline) {
					mu.Lock()
					t.Fatalf("the server did not start:\n%s", out.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			pressed := time.Now()
			if _, err := stdin.Write([]byte{3}); err != nil { // Ctrl-C on the terminal
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(c.max + 5*time.Second):
				t.Fatalf("still running %v after Ctrl-C", c.max+5*time.Second)
			}
			took := time.Since(pressed)
			mu.Lock()
			defer mu.Unlock()
			if took < c.min || took > c.max || !strings.Contains(out.String(), "shutting down") {
				t.Fatalf("stopped after %v, want %v to %v:\n%s", took, c.min, c.max, out.String())
			}
		})
	}
}

// withoutVar is env without the variable name.
func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
