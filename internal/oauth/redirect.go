package oauth

import (
	"strconv"
	"strings"
)

// redirectMatches reports whether the redirect URI an authorization
// request names is one the application registered. A URI matches when it
// is registered as it is, byte for byte; the one exception is RFC 8252
// section 7.3: a native app listens on whatever port the system gives it,
// so a URI registered as http://127.0.0.1/PATH or http://[::1]/PATH,
// without a port, also matches the same URI with a port
// (http://127.0.0.1:PORT/PATH, PORT in decimal without leading zeros).
// Nothing else is loosened: not localhost (RFC 8252 section 8.3 advises
// against it, and a name may resolve elsewhere), not a URI registered with
// a port, not https, and the path and query stay exact.
//
// fosite applies a looser rule of its own (any loopback URI, the port
// ignored even when registered, whatever the registered scheme, user info
// allowed), so the authorization endpoint checks this one after fosite.
func redirectMatches(registered []string, requested string) bool {
	for _, reg := range registered {
		if reg == requested || loopbackWithPort(reg, requested) {
			return true
		}
	}
	return false
}

func loopbackWithPort(registered, requested string) bool {
	const scheme = "http://"
	if !strings.HasPrefix(registered, scheme) || !strings.HasPrefix(requested, scheme) {
		return false
	}
	regHost, regRest := splitAuthority(registered[len(scheme):])
	reqHost, reqRest := splitAuthority(requested[len(scheme):])
	if regRest != reqRest || (regHost != "127.0.0.1" && regHost != "[::1]") {
		return false
	}
	port, ok := strings.CutPrefix(reqHost, regHost+":")
	return ok && validPort(port)
}

// splitAuthority splits what follows "scheme://" into the authority and
// the rest (path, query, fragment).
func splitAuthority(s string) (authority, rest string) {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// validPort: 1 to 65535 in decimal, one spelling per port.
func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == p
}
