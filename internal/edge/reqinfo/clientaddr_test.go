package reqinfo_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"userbridge/internal/edge/reqinfo"
)

// TestClientAddr covers which address counts as the client's, by peer and
// X-Forwarded-For.
func TestClientAddr(t *testing.T) {
	proxies, err := reqinfo.ParseProxies("10.0.0.0/8, 2001:db8:ffff::/48,192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		proxies reqinfo.Proxies
		peer    string
		xff     []string
		want    string
	}{
		{"untrusted peer: spoofed X-Forwarded-For is ignored", proxies, "203.0.113.9:5555", []string{"198.51.100.1"}, "203.0.113.9"},
		{"no trusted proxies configured: X-Forwarded-For is ignored", nil, "10.0.0.1:5555", []string{"198.51.100.1"}, "10.0.0.1"},
		{"trusted peer without the header: the peer", proxies, "10.0.0.1:5555", nil, "10.0.0.1"},
		{"trusted peer: the address it reports", proxies, "10.0.0.1:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"trusted single address: the address it reports", proxies, "192.0.2.7:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies: the right-most untrusted hop", proxies, "10.0.0.1:5555", []string{"198.51.100.1, 10.0.0.2, 10.0.0.3"}, "198.51.100.1"},
		{"client-written entries left of the real client are ignored", proxies, "10.0.0.1:5555", []string{"1.1.1.1, 2.2.2.2, 198.51.100.1, 10.0.0.2"}, "198.51.100.1"},
		{"header split over several lines reads as one list", proxies, "10.0.0.1:5555", []string{"1.1.1.1, 198.51.100.1", "10.0.0.2"}, "198.51.100.1"},
		{"every hop trusted: the left-most", proxies, "10.0.0.1:5555", []string{"10.0.0.9, 10.0.0.2"}, "10.0.0.9"},
		{"unreadable hop: the trusted hop right of it", proxies, "10.0.0.1:5555", []string{"198.51.100.1, nonsense, 10.0.0.2"}, "10.0.0.2"},
		{"unreadable hop next to the peer: the peer", proxies, "10.0.0.1:5555", []string{"<script>"}, "10.0.0.1"},
		{"empty entries are skipped", proxies, "10.0.0.1:5555", []string{"198.51.100.1,, ,"}, "198.51.100.1"},
		{"hop with a port", proxies, "10.0.0.1:5555", []string{"198.51.100.1:4444"}, "198.51.100.1"},
		{"IPv6 hop with port and zone", proxies, "[2001:db8:ffff::1]:443", []string{"[2001:db8::5%eth0]:80"}, "2001:db8::5"},
		{"IPv4-mapped IPv6 peer is the IPv4 address", proxies, "[::ffff:10.0.0.1]:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"IPv4-mapped untrusted peer is its IPv4 address", nil, "[::ffff:203.0.113.9]:443", nil, "203.0.113.9"},
		{"peer without port", nil, "203.0.113.9", nil, "203.0.113.9"},
		{"more hops than any real chain: stops at the bound", proxies, "10.0.0.1:5555", []string{"198.51.100.1," + strings.Repeat("10.0.0.2,", 100000) + "10.0.0.3"}, "10.0.0.2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := c.proxies.ClientAddr(r); got != c.want {
				t.Fatalf("ClientAddr = %q, want %q", got, c.want)
			}
		})
	}
}

// TestParseProxies covers TRUSTED_PROXIES as written by an operator.
func TestParseProxies(t *testing.T) {
	t.Run("accepted", func(t *testing.T) {
		for in, want := range map[string]string{
			"":                         "",
			" 10.0.0.0/8 , fd00::/8 ,": "10.0.0.0/8,fd00::/8",
			"192.0.2.7":                "192.0.2.7/32",
			"2001:db8::1":              "2001:db8::1/128",
			"10.0.0.0/8,172.16.0.0/12": "10.0.0.0/8,172.16.0.0/12",
		} {
			p, err := reqinfo.ParseProxies(in)
			if err != nil || p.String() != want {
				t.Errorf("ParseProxies(%q) = %q, %v; want %q", in, p, err, want)
			}
		}
	})
	t.Run("refused, naming the entry", func(t *testing.T) {
		for in, want := range map[string]string{
			"10.0.0.0/33":          `"10.0.0.0/33" is not a CIDR`,
			"10.0.0.0/8,localhost": `"localhost" is not a CIDR`,
			"10.0.0.1/8":           `"10.0.0.1/8" has address bits past /8: write 10.0.0.0/8 for the network or 10.0.0.1 for the one address`,
			"fe80::1%eth0":         `"fe80::1%eth0" is not a CIDR`,
			"*":                    `"*" is not a CIDR`,
		} {
			if _, err := reqinfo.ParseProxies(in); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("ParseProxies(%q) error %v, want %s", in, err, want)
			}
		}
	})
}

// TestLimitKey covers which addresses share one rate-limit bucket.
func TestLimitKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.9":          "203.0.113.9",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
		"::ffff:203.0.113.9":   "::ffff:203.0.113.9",
		"not an address":       "not an address",
		"":                     "",
	} {
		if got := reqinfo.LimitKey(in); got != want {
			t.Errorf("LimitKey(%q) = %q, want %q", in, got, want)
		}
	}
}
