package shadow

import (
	"net/url"
	"regexp"
	"strings"
)

// Examples in the report are read by people who may not see users' data:
// tokens never enter them (no header is kept), and passwords, secrets and
// e-mail addresses are replaced wherever they appear.

var emailLike = regexp.MustCompile(`[^\s"'<>@,;:/?&=]+@[^\s"'<>@,;:/?&=]+\.[A-Za-z]{2,}`)

// sensitive reports whether a key or query parameter names a secret or a
// personal address.
func sensitive(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"pass", "secret", "token", "key", "auth", "code", "mail", "signature", "sig"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// redactValue hides the value shown at path when its key is sensitive, and
// any e-mail address inside it.
func redactValue(path, v string) string {
	if sensitive(lastKey(path)) && v != "(absent)" && v != "null" {
		return "<redacted>"
	}
	return emailLike.ReplaceAllString(v, "<email>")
}

// redactTarget is a request's path and query as shown: sensitive query
// values and e-mail addresses hidden.
func redactTarget(u *url.URL) string {
	p := emailLike.ReplaceAllString(u.EscapedPath(), "<email>")
	if u.RawQuery == "" {
		return p
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return p + "?<unparsed>"
	}
	for k, vs := range q {
		for i := range vs {
			if sensitive(k) {
				vs[i] = "redacted"
			} else {
				vs[i] = emailLike.ReplaceAllString(vs[i], "<email>")
			}
		}
	}
	return p + "?" + q.Encode()
}
