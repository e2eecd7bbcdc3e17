package reqinfo

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the networks whose peers are trusted to report the client's
// address in X-Forwarded-For (TRUSTED_PROXIES). The zero value trusts no one.
type Proxies []netip.Prefix

// maxHops bounds how many X-Forwarded-For entries are read from the right:
// no real chain of proxies is longer, and a hostile header may be huge.
const maxHops = 32

// ParseProxies reads a comma-separated list of CIDRs ("10.0.0.0/8,
// fd00::/8"); a bare address is a network of one. Empty entries are
// skipped. Returns an error naming the first entry that is not a network,
// or that has bits set past its prefix length (10.0.0.1/8 is a typo for
// either 10.0.0.1 or 10.0.0.0/8, and trusting the wrong one is a hole).
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or fd00::/8", f)
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p != p.Masked() {
			return nil, fmt.Errorf("%q has address bits past /%d: write %s for the network or %s for the one address",
				f, p.Bits(), p.Masked(), p.Addr())
		}
		out = append(out, p)
	}
	return out, nil
}

// String lists the networks as ParseProxies reads them.
func (p Proxies) String() string {
	s := make([]string, len(p))
	for i, n := range p {
		s[i] = n.String()
	}
	return strings.Join(s, ",")
}

// trusts reports whether a is in one of the networks.
func (p Proxies) trusts(a netip.Addr) bool {
	for _, n := range p {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr returns the address of the client of r, without port: the
// peer's, unless the peer is a trusted proxy; then the right-most address of
// X-Forwarded-For that is not a trusted proxy (each proxy appends the
// address it received the request from, so everything left of the first
// untrusted hop was written by the client and is ignored). When every hop
// is trusted, the left-most; when a hop cannot be read, the last trusted
// hop right of it.
func (p Proxies) ClientAddr(r *http.Request) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		return host
	}
	if !p.trusts(peer) {
		return peer.String()
	}
	client := peer
	hops := 0
	values := r.Header.Values("X-Forwarded-For")
	for vi := len(values) - 1; vi >= 0; vi-- {
		rest := values[vi]
		for rest != "" {
			if hops++; hops > maxHops {
				return client.String()
			}
			entry := rest
			if i := strings.LastIndexByte(rest, ','); i >= 0 {
				entry, rest = rest[i+1:], rest[:i]
			} else {
				rest = ""
			}
			if strings.TrimSpace(entry) == "" {
				continue
			}
			a, ok := parseHop(entry)
			if !ok {
				return client.String()
			}
			client = a
			if !p.trusts(a) {
				return client.String()
			}
		}
	}
	return client.String()
}

// parseHop reads an address with or without port ("192.0.2.1",
// "192.0.2.1:443", "[2001:db8::1]:443"), dropping any IPv6 zone and
// unmapping IPv4-mapped IPv6, so one client has one spelling.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.WithZone("").Unmap(), true
}

// LimitKey returns what names one client in a rate limit: an IPv4 address,
// or the /64 network of an IPv6 address, since one subscriber usually holds
// a whole /64 and could otherwise spend a fresh bucket per address. Anything
// else is returned as is.
func LimitKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is6() || a.Is4In6() {
		return addr
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}
