// Package e2e runs the real userbridge binary as separate processes: two
// replicas sharing one PostgreSQL, one bucket and one Redis
// (replicas_test.go), and a server killed with SIGKILL mid-write then
// restarted (crash_test.go).
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"userbridge/internal/testaddr"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds the service once per test run (go build of the module's
// main package) and returns its path.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "userbridge-e2e-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "userbridge")
		cmd := exec.Command("go", "build", "-o", binPath, "userbridge")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out.String())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freeAddr returns a loopback address a child process can bind.
func freeAddr(t testing.TB) string { return testaddr.Loopback(t) }

// server is one running userbridge process.
type server struct {
	URL  string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   *sync.Mutex
	done chan struct{}
}

// lockedBuffer lets the process write its log while the test reads it.
type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Log returns what the process wrote so far.
func (s *server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// start runs `userbridge serve` with env (KEY=value, on top of this
// process's environment) on a free port, and waits until /readyz answers
// 200. The process is stopped when the test ends.
func start(t testing.TB, env ...string) *server {
	t.Helper()
	s := launch(t, env...)
	s.waitReady(t)
	return s
}

// launch starts the process without waiting for it to be ready.
func launch(t testing.TB, env ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append(os.Environ(), "ADDR="+addr, "PUBLIC_URL=http://"+addr, "LOG_FORMAT=text", "DRAIN_DELAY=0")
	cmd.Env = append(cmd.Env, env...)
	s := &server{URL: "http://" + addr, cmd: cmd, log: new(bytes.Buffer), mu: new(sync.Mutex), done: make(chan struct{})}
	cmd.Stdout = lockedBuffer{s.mu, s.log}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("log of %s:\n%s", s.URL, tail(s.Log(), 40))
		}
	})
	return s
}

func (s *server) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			t.Fatalf("%s exited before being ready:\n%s", s.URL, tail(s.Log(), 40))
		default:
		}
		res, err := http.Get(s.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready after 60s:\n%s", s.URL, tail(s.Log(), 40))
}

// stop sends SIGTERM and waits, then SIGKILL after 10 s.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// kill ends the process with SIGKILL, as a crash or an OOM killer does.
func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// cli runs an administration command of the binary and returns its
// standard output.
func cli(t testing.TB, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

// client is an HTTP client with a bounded wait, for servers that may die.
var client = &http.Client{Timeout: 60 * time.Second}

// do sends a request and returns the status and body (status 0 when the
// connection failed).
func do(ctx context.Context, method, url, token, contentType string, body io.Reader, hdr ...string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, nil, err
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// graphql posts a GraphQL operation (with headers hdr, name then value)
// and decodes data and errors.
func graphql(ctx context.Context, base, token, query string, vars map[string]any, hdr ...string) (data map[string]any, errs []map[string]any, err error) {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	status, body, err := do(ctx, "POST", base+"/graphql", token, "application/json", bytes.NewReader(b), hdr...)
	if err != nil {
		return nil, nil, err
	}
	var res struct {
		Data   map[string]any   `json:"data"`
		Errors []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, nil, fmt.Errorf("status %d: %s", status, body)
	}
	return res.Data, res.Errors, nil
}

// upload posts one file to the education platform's upload route and
// returns its download link.
func upload(ctx context.Context, base, token, name string, data []byte) (int, string, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, _ := mw.CreateFormFile("file", name)
	_, _ = w.Write(data)
	_ = mw.Close()
	status, body, err := do(ctx, "POST", base+"/api/v1/users/user_files/upload", token, mw.FormDataContentType(), &b)
	if err != nil || status != 200 {
		return status, string(body), err
	}
	var res struct {
		UserFile struct {
			Attachment string `json:"attachment"`
		} `json:"user_file"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return status, "", err
	}
	return status, res.UserFile.Attachment, nil
}
