package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a server the harness started: the service or the baseline.
type proc struct {
	name string
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	log  *os.File
	// noMetrics: the process has no /metrics with the statement counter
	// (the peer); its statements per request are not reported.
	noMetrics bool
	// metricsToken is sent to /metrics: the service shows its metrics on
	// the main address to an administrator's credential only.
	metricsToken string
}

// build compiles the service, the baseline and the load generator into dir.
func build(root, dir string) (bins map[string]string, err error) {
	bins = map[string]string{
		"userbridge": filepath.Join(dir, "userbridge"),
		"baseline":   filepath.Join(dir, "baseline"),
		"load":       filepath.Join(dir, "load"),
	}
	for name, pkg := range map[string]string{"userbridge": ".", "baseline": "./bench/baseline", "load": "./bench/load"} {
		cmd := exec.Command("go", "build", "-o", bins[name], pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
		}
	}
	return bins, nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs bin with args (ADDR is replaced by the listen address) and
// waits until /healthz answers.
func start(name, bin, logPath string, env []string, args ...string) (*proc, error) {
	return startReady(name, bin, logPath, env, healthz, args...)
}

func healthz(base string) bool {
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// startReady is start with another readiness check; PORT in args is
// replaced by the port alone.
func startReady(name, bin, logPath string, env []string, ready func(base string) bool, args ...string) (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i, a := range args {
		args[i] = strings.ReplaceAll(strings.ReplaceAll(a, "ADDR", addr), "PORT", strconv.Itoa(port))
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, base: "http://" + addr, log: logf}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if ready(p.base) {
			return p, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("%s was not ready within 2 minutes (log: %s)", name, logPath)
}

// stop sends SIGTERM to the process the harness started, and kills it if it
// has not exited within 30 seconds.
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
	p.log.Close()
}

// resetPeak clears the process's peak resident set size (VmHWM), so that
// the next reading is the peak of one measurement.
func (p *proc) resetPeak() {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0)
}

// memory returns VmHWM (peak since the last reset) and VmRSS, in MiB.
func (p *proc) memory() (peak, rss float64) {
	m := p.status()
	return m["VmHWM"], m["VmRSS"]
}

// status reads the memory lines of /proc/PID/status, in MiB.
func (p *proc) status() map[string]float64 {
	m := map[string]float64{}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64); err == nil {
			m[k] = kb / 1024
		}
	}
	return m
}

// statements reads userbridge_sql_statements_total from /metrics.
func (p *proc) statements() (float64, error) {
	if p.noMetrics {
		return 0, nil
	}
	req, err := http.NewRequest("GET", p.base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	if p.metricsToken != "" {
		req.Header.Set("Authorization", "Bearer "+p.metricsToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: /metrics answers %d", p.name, resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "userbridge_sql_statements_total "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("%s: no userbridge_sql_statements_total in /metrics", p.name)
}

// fetch makes one request and returns status and body.
func fetch(ctx context.Context, method, url, token, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}
