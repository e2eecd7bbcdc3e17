package testaddr

import (
	"net"
	"strconv"
	"testing"
)

// The address is loopback, below the ephemeral range, and bindable.
func TestLoopbackIsBelowTheEphemeralRangeAndFree(t *testing.T) {
	low := ephemeralLow()
	for range 20 {
		addr := Loopback(t)
		host, p, err := net.SplitHostPort(addr)
		if err != nil || host != "127.0.0.1" {
			t.Fatalf("address %q: %v", addr, err)
		}
		port, _ := strconv.Atoi(p)
		if port < minPort || port >= low {
			t.Fatalf("port %d outside [%d, %d)", port, minPort, low)
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("%s cannot be bound: %v", addr, err)
		}
		l.Close()
	}
}
