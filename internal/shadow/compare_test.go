package shadow

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func answerOf(status int, ctype, body string) *answer {
	c := newCapture(1 << 20)
	_, _ = c.Write([]byte(body))
	a := c.answer(status, http.Header{"Content-Type": {ctype}})
	return &a
}

// The walker's rules, one case each: what is a difference and what is not.
func TestCompareRules(t *testing.T) {
	never := func(string) bool { return false }
	cases := []struct {
		name, dialect, up, st string
		upType, stType        string
		want                  []string // "path kind"
	}{
		{"numbers written differently are equal", "maarch", `{"id":1.0}`, `{"id":1}`, "", "", nil},
		{"charset is not the media type", "maarch", `{}`, `{}`, "application/json; charset=utf-8", "application/json", nil},
		{"another media type is a difference", "maarch", `{}`, `{}`, "text/plain", "application/json", []string{"header Content-Type header"}},
		{"key order is not a difference", "maarch", `{"a":1,"b":2}`, `{"b":2,"a":1}`, "", "", nil},
		{"a number for a string", "maarch", `{"id":"1"}`, `{"id":1}`, "", "", []string{"id type"}},
		{"keyed list in another order", "maarch", `{"users":[{"id":1},{"id":2}]}`, `{"users":[{"id":2},{"id":1}]}`, "", "", []string{"users order"}},
		{"keyed list, one more in the store", "maarch", `{"users":[{"id":1}]}`, `{"users":[{"id":1},{"id":2}]}`, "", "", []string{"users[*] extra"}},
		{"unkeyed list shorter", "eduplatform", `{"user_files":[{"id":1},{"id":2}]}`, `{"user_files":[{"id":1}]}`, "", "", []string{"user_files length"}},
		{"time within tolerance, same layout", "usersv1", `{"created_at":"2024-01-15T10:30:00Z"}`, `{"created_at":"2024-01-15T10:30:01Z"}`, "", "", nil},
		{"time beyond tolerance", "usersv1", `{"created_at":"2024-01-15T10:30:00Z"}`, `{"created_at":"2024-01-15T10:30:02Z"}`, "", "", []string{"created_at value"}},
		{"time in another layout", "eduplatform", `{"created_at":"2024-01-15T10:30:00.000Z"}`, `{"created_at":"2024-01-15T10:30:00Z"}`, "", "", []string{"created_at value"}},
		{"signed links of two hosts", "eduplatform", `{"attachment":"https://old/files/a/x.json"}`, `{"attachment":"http://new/files/b/x.json"}`, "", "", nil},
		{"a link that is not one", "eduplatform", `{"attachment":"x.json"}`, `{"attachment":"http://new/files/b/x.json"}`, "", "", []string{"attachment value"}},
		{"avatar ids of two stores", "edufocus", `{"payload":{"avatar":"AAAA"}}`, `{"payload":{"avatar":"BBBB"}}`, "", "", nil},
		{"an avatar missing", "edufocus", `{"payload":{"avatar":"AAAA"}}`, `{"payload":{"avatar":null}}`, "", "", []string{"payload.avatar type"}},
		{"not JSON, same bytes", "maarch", `oops`, `oops`, "", "", nil},
		{"not JSON, other bytes", "maarch", `oops`, `{}`, "", "", []string{"body body"}},
		{"trailing data is not JSON", "maarch", `{} {}`, `{}`, "", "", []string{"body body"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmp := &comparer{rules: dialects[c.dialect], skip: never, times: timeRule{time.Second}}
			ut, st := cmp0(c.upType), cmp0(c.stType)
			var got []string
			for _, d := range cmp.compare("GET", answerOf(200, ut, c.up), answerOf(200, st, c.st)) {
				got = append(got, d.Path+" "+d.Kind)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func cmp0(s string) string {
	if s == "" {
		return "application/json"
	}
	return s
}

// --ignore covers a path and everything under it, nothing beside it.
func TestIgnoreCoversPathsUnder(t *testing.T) {
	for _, c := range []struct {
		path, ignore string
		want         bool
	}{
		{"users[*].picture", "users[*].picture", true},
		{"users[*].picture", "$.users", true},
		{"users[*].picture", "users", true},
		{"usersx", "users", false},
		{"header Location", "header Location", true},
		{"payload.email", "payload.e", false},
	} {
		if got := under(c.path, c.ignore); got != c.want {
			t.Errorf("under(%q, %q) = %v", c.path, c.ignore, got)
		}
	}
}

// A gzip-encoded upstream body compares with this store's plain one.
func TestGzipUpstreamComparesDecoded(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, _ = zw.Write([]byte(`{"users":[]}`))
	_ = zw.Close()
	c := newCapture(1 << 20)
	_, _ = c.Write(z.Bytes())
	up := c.answer(200, http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}})
	cmp := &comparer{rules: dialects["maarch"], skip: func(string) bool { return false }}
	if d := cmp.compare("GET", &up, answerOf(200, "application/json", `{"users":[]}`)); len(d) != 0 {
		t.Fatalf("differences %v", d)
	}
}

// The capture keeps the cap and hashes all: memory does not follow the body.
func TestCaptureKeepsOnlyTheCap(t *testing.T) {
	c := newCapture(10)
	for range 1000 {
		_, _ = c.Write([]byte(strings.Repeat("x", 100)))
	}
	a := c.answer(200, http.Header{})
	if len(a.body) != 10 || a.size != 100000 || !a.truncated() || c.buf.Cap() > 1024 {
		t.Fatalf("kept %d bytes (cap %d) of %d", len(a.body), c.buf.Cap(), a.size)
	}
}
