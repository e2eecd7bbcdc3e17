package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// secretParams are query parameters whose value is a credential in a
// database or storage URL (lib/pq and pgx options, gocloud's s3 options).
var secretParams = regexp.MustCompile(`(?i)pass|secret|token|key|credential|sslpassword`)

// describeDatabase names the database a command or the server uses, for
// people: an SQLite file by its absolute path (which ./data/app.db is
// depends on the folder the command runs in), a server URL without its
// password or secret parameters.
func describeDatabase(raw string) string {
	if path, ok := strings.CutPrefix(raw, "sqlite://"); ok {
		if abs, err := filepath.Abs(path); err == nil && !strings.HasPrefix(path, "file:") {
			path = abs
		}
		return "sqlite://" + path
	}
	if !strings.Contains(raw, "://") { // a libpq key=value string
		return regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|\S+)`).ReplaceAllString(raw, "${1}xxxxx")
	}
	return redactURL(raw)
}

// describeStorage names the blob storage: a folder by its absolute path, a
// bucket URL without secret parameters.
func describeStorage(raw string) string {
	if path, ok := strings.CutPrefix(raw, "file://"); ok {
		if p, q, _ := strings.Cut(path, "?"); p != "" {
			if abs, err := filepath.Abs(p); err == nil {
				return "file://" + abs + map[bool]string{true: "?" + q}[q != ""]
			}
		}
		return raw
	}
	return redactURL(raw)
}

// redactURL drops a URL's password and the values of its secret
// parameters.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a URL that does not parse)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	changed := false
	for k := range q {
		if secretParams.MatchString(k) {
			q.Set(k, "xxxxx")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// commandName is how the person running this binary calls it, for hints
// to run another command: `go run .` under go run (whose binary lives in a
// temporary build folder), else the program as it was invoked
// (./userbridge, userbridge from the PATH).
func commandName() string {
	arg0 := os.Args[0]
	if strings.Contains(filepath.ToSlash(arg0), "/go-build") {
		return "go run ."
	}
	return arg0
}
