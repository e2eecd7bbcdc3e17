// Package testaddr gives tests a loopback address that a child process
// can bind a moment later.
package testaddr

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// minPort keeps clear of the well-known and commonly configured ports.
const minPort = 20000

// Loopback returns 127.0.0.1:port with a port free at the time of the
// call, taken below the kernel's ephemeral range. A port the kernel hands
// out for port 0 can be handed out again, as the source port of any
// outgoing connection of the parallel test packages, before the child
// process binds it: CI once failed with "address already in use" that way.
// Ports below the range are only ever taken by an explicit bind.
func Loopback(t testing.TB) string {
	t.Helper()
	low := ephemeralLow()
	for range 200 {
		port := minPort + rand.IntN(low-minPort) //nolint:gosec // G404: a test port to try, not a secret
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			addr := l.Addr().String()
			l.Close()
			return addr
		}
	}
	t.Fatal("no free loopback port below the ephemeral range")
	return ""
}

// ephemeralLow is the first port of the kernel's ephemeral range, or
// Linux's default when it cannot be read.
func ephemeralLow() int {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > minPort+1000 {
				low = n
			}
		}
	}
	return low
}
