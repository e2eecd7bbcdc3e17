// Package benchproc is what the benchmark commands under bench/ share to
// start the service and read its process from outside: readiness, peak
// memory and CPU time as Linux reports them.
package benchproc

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Check stops the benchmark on an error: a benchmark that cannot set up
// has nothing to report.
func Check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// Run runs a command to its end, its output on standard error.
func Run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	Check(cmd.Run())
}

// FreeAddr is a loopback address with a port nobody listens on.
func FreeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Check(err)
	defer l.Close()
	return l.Addr().String()
}

// WaitReady polls url (the service's /readyz) until it answers 200, for
// thirty seconds at most.
func WaitReady(url string) {
	for range 300 {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log.Fatal("service not ready")
}

// PeakKiB is VmHWM of pid: its peak resident set, in KiB, since it started
// or since the last reset.
func PeakKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	Check(err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			_, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			Check(err)
			return kb
		}
	}
	log.Fatal("no VmHWM")
	return 0
}

// CPU is the user and system time pid has used (clock ticks of 1/100 s,
// as Linux reports them to processes).
func CPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	Check(err)
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	var user, sys int64
	_, err = fmt.Sscan(fields[11], &user)
	Check(err)
	_, err = fmt.Sscan(fields[12], &sys)
	Check(err)
	return time.Duration(user+sys) * 10 * time.Millisecond
}
