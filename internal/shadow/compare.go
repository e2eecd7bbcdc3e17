package shadow

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
)

// diff is one difference between the upstream's answer and this store's.
type diff struct {
	// Path is "status", "header NAME", "body" (a body that is not JSON, or
	// one over the cap, compared by hash) or a JSON path: keys joined by
	// dots, every array index written [*] so that one route's paths are
	// few whatever the data.
	Path string
	// Kind is status, header, missing (in the upstream's answer only),
	// extra (in this store's only), type, value, length, order, body or
	// hash.
	Kind            string
	Upstream, Store string
	// id is the user id (as the upstream shows it) the difference may come
	// from: one that was not imported is not a difference of the dialect.
	id string
}

// comparer compares two answers under one dialect's rules; skip says which
// paths are noise for this comparison (--ignore, noise learned from the
// upstream).
type comparer struct {
	rules *rules
	skip  func(path string) bool
	times timeRule
}

// compare returns the differences between up and st, in a stable order:
// the status alone when it differs, else headers, then the body.
func (c *comparer) compare(method string, up, st *answer) []diff {
	var out []diff
	add := func(d diff) {
		if !c.skip(d.Path) {
			out = append(out, d)
		}
	}
	if up.status != st.status {
		// Two answers of different statuses are different outcomes: their
		// headers and bodies differ as a consequence and would only bury
		// the one difference that matters.
		add(diff{Path: "status", Kind: "status", Upstream: itoa(up.status), Store: itoa(st.status)})
		return out
	}
	for _, h := range c.rules.headers {
		u, s := headerValue(up.header, h), headerValue(st.header, h)
		if u != s {
			add(diff{Path: "header " + h, Kind: "header", Upstream: u, Store: s})
		}
	}
	for _, h := range c.rules.presenceHeaders {
		u, s := up.header.Get(h) != "", st.header.Get(h) != ""
		if u != s {
			add(diff{Path: "header " + h, Kind: "header", Upstream: present(u), Store: present(s)})
		}
	}
	if method == http.MethodHead {
		return out
	}
	switch {
	case up.truncated() || st.truncated():
		if up.sum != st.sum {
			add(diff{Path: "body", Kind: "hash", Upstream: sizeOf(up.size), Store: sizeOf(st.size)})
		}
	case bytes.Equal(up.body, st.body):
	default:
		u, uerr := decode(up.body)
		s, serr := decode(st.body)
		if uerr != nil || serr != nil {
			add(diff{Path: "body", Kind: "body", Upstream: clip(string(up.body)), Store: clip(string(st.body))})
			return out
		}
		w := walker{comparer: c, add: add}
		w.walk("", u, s)
	}
	return out
}

// headerValue is a header as compared: Content-Type by its media type only
// (parameters such as charset are spelled differently by servers that
// mean the same), others as sent.
func headerValue(h http.Header, name string) string {
	v := h.Get(name)
	if name == contentType && v != "" {
		if mt, _, err := mime.ParseMediaType(v); err == nil {
			return mt
		}
	}
	return v
}

// decode parses a JSON body keeping numbers as written. A body with
// anything after its value is not JSON.
func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errTrailing
	}
	return v, nil
}

type constErr string

func (e constErr) Error() string { return string(e) }

const errTrailing = constErr("data after the JSON value")

func present(b bool) string {
	if b {
		return "present"
	}
	return "absent"
}

// ruleFor reports whether path is one of paths.
func ruleFor(paths []string, path string) bool {
	for _, p := range paths {
		if p == path {
			return true
		}
	}
	return false
}

// under reports whether path is prefix itself or inside it.
func under(path, prefix string) bool {
	prefix = strings.TrimPrefix(strings.TrimPrefix(prefix, "$"), ".")
	if prefix == "" {
		return true
	}
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	rest := path[len(prefix):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}
