package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestHelpAndVersion(t *testing.T) {
	commands := []string{"serve", "migrate", "schema", "version", "user", "token", "app", "completion", "help"}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		t.Run(strings.Join(args, " ")+" exits 0 and lists every command", func(t *testing.T) {
			r := cli(t, "", args...)
			if r.Code != 0 || r.Stderr != "" {
				t.Fatalf("exit %d: %v %s", r.Code, r.Err, r.Stderr)
			}
			for _, c := range commands {
				if !strings.Contains(r.Stdout, "\n  "+c+" ") {
					t.Errorf("%s not listed:\n%s", c, r.Stdout)
				}
			}
		})
	}
	t.Run("an administration command's help shows only its own flags", func(t *testing.T) {
		r := cli(t, "", "user", "create", "-h")
		if r.Code != 0 || !strings.Contains(r.Stdout, "--email") || !strings.Contains(r.Stdout, "--database") ||
			strings.Contains(r.Stdout, "--addr") || strings.Contains(r.Stdout, "--graphql") {
			t.Fatalf("user create -h:\n%s", r.Stdout)
		}
		if n := strings.Count(r.Stdout, "\n"); n > 30 {
			t.Errorf("user create -h prints %d lines", n)
		}
	})
	t.Run("boolean flags need no value", func(t *testing.T) {
		r := cli(t, "", "user", "create", "-h")
		for _, f := range []string{"--admin ", "--verified ", "--password-stdin ", "--json "} {
			if !strings.Contains(r.Stdout, f) || strings.Contains(r.Stdout, f+"bool") {
				t.Errorf("%s is not a plain boolean flag:\n%s", f, r.Stdout)
			}
		}
		if r := cli(t, "", "--help"); !strings.Contains(r.Stdout, "--pprof ") || strings.Contains(r.Stdout, "--pprof bool") {
			t.Errorf("--pprof:\n%s", r.Stdout)
		}
	})
	t.Run("version prints the module version and VCS revision", func(t *testing.T) {
		r := cli(t, "", "version")
		if r.Code != 0 || !strings.HasPrefix(r.Stdout, "userbridge ") || !strings.Contains(r.Stdout, "revision ") {
			t.Fatalf("version: %d %q", r.Code, r.Stdout)
		}
		v := buildVersion(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "userbridge", Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "65e201b0"}, {Key: "vcs.time", Value: "2026-11-30T02:00:00Z"}, {Key: "vcs.modified", Value: "true"}}})
		if got := v.String(); got != "userbridge v1.2.3, revision 65e201b0 (modified), committed 2026-11-30T02:00:00Z, built with go1.26.8" {
			t.Fatalf("version line %q", got)
		}
		var j version
		if err := json.Unmarshal([]byte(cli(t, "", "version", "--json").Stdout), &j); err != nil || j.Module == "" || j.Go == "" {
			t.Fatalf("version --json: %v %+v", err, j)
		}
	})
	t.Run("completion prints a shell script", func(t *testing.T) {
		for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
			if r := cli(t, "", "completion", sh); r.Code != 0 || !strings.Contains(r.Stdout, "userbridge") {
				t.Errorf("completion %s: exit %d, %d bytes", sh, r.Code, len(r.Stdout))
			}
		}
	})
}

// TestSchemaCommand: the SDL printed is graph/schema.graphql, byte for byte.
func TestSchemaCommand(t *testing.T) {
	want, err := os.ReadFile("graph/schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if r := cli(t, "", "schema"); r.Code != 0 || r.Stdout != string(want) {
		t.Fatalf("schema: exit %d, %d bytes, want %d", r.Code, len(r.Stdout), len(want))
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate" for "userbridge"`},
		{[]string{"user"}, "userbridge user needs a command: ban, create, delete, list, set-password, show, unban"},
		{[]string{"user", "frob"}, `unknown command "frob" for "userbridge user"`},
		{[]string{"user", "list", "--addr", ":9"}, "unknown flag: --addr"},
		{[]string{"user", "list", "extra"}, "userbridge user list takes no arguments, only flags"},
		{[]string{"--log-format", "txt"}, `--log-format / LOG_FORMAT: "txt" is not valid: want json or text`},
		{[]string{"serve", "--link-ttl", "-1h"}, `--link-ttl / LINK_TTL: "-1h" is not valid: want a positive duration`},
		{[]string{"serve", "--pprof=maybe"}, `--pprof / PPROF: "maybe" is not valid: want true or false`},
		{[]string{"serve", "--graphql-depth", "0"}, `--graphql-depth / GRAPHQL_MAX_DEPTH: "0" is not valid: want a whole number, 1 or more`},
		{[]string{"serve", "--public-url", "users.example.com"}, `want an absolute URL`},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			fails(t, 2, c.msg, c.args...)
		})
	}
	t.Run("a bad environment variable is refused too", func(t *testing.T) {
		t.Setenv("LOG_FORMAT", "txt")
		fails(t, 2, `--log-format / LOG_FORMAT: "txt" is not valid`, "serve")
	})
	t.Run("the usage error names the command whose help to read", func(t *testing.T) {
		r := cli(t, "", "token", "create", "--ttl", "-5m")
		var u usageError
		if !errorsAs(r.Err, &u) || u.path != "userbridge token create" {
			t.Fatalf("%#v", r.Err)
		}
	})
}

// TestServeBanner: the banner comes after the bind, and PUBLIC_URL follows
// the bound address when unset.
func TestServeBanner(t *testing.T) {
	args := func(addr string) []string {
		return []string{"serve", "--addr", addr, "--database", "sqlite://" + filepath.Join(t.TempDir(), "app.db"),
			"--storage", "file://" + filepath.Join(t.TempDir(), "files")}
	}
	t.Run("a port in use fails before any banner", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		var stderr bytes.Buffer
		err = run(context.Background(), args(ln.Addr().String()), &stderr, &stderr)
		if err == nil || !strings.Contains(err.Error(), "address already in use") || strings.Contains(stderr.String(), "listening") {
			t.Fatalf("serve on a used port: %v\n%s", err, stderr.String())
		}
	})
	t.Run("the bare command serves; the playground URL and download links follow --addr", func(t *testing.T) {
		a := args("127.0.0.1:0")[1:] // no "serve"
		db := a[2:4]                 // --database URL
		ok(t, "", append([]string{"user", "create", "--email", "ada@example.com"}, db...)...)
		token := strings.TrimSpace(ok(t, "", append([]string{"token", "create", "--user", "ada@example.com"}, db...)...))
		ctx, cancel := context.WithCancel(context.Background())
		var stderr syncBuffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, a, &stderr, &stderr) }()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(stderr.String(), "listening") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		var banner struct{ Addr, Playground string }
		line, _, _ := strings.Cut(stderr.String(), "\n")
		if err := json.Unmarshal([]byte(line), &banner); err != nil {
			cancel()
			t.Fatalf("%v: %s", err, stderr.String())
		}
		url := uploadURL(t, "http://"+banner.Addr, token)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if banner.Addr == "127.0.0.1:0" || banner.Playground != "http://"+banner.Addr+"/graphiql" {
			t.Fatalf("banner %+v", banner)
		}
		if !strings.HasPrefix(url, "http://"+banner.Addr+"/files/") {
			t.Fatalf("download link %q does not follow %s", url, banner.Addr)
		}
	})
	for addr, want := range map[string]string{":18081": "http://localhost:18081", "0.0.0.0:9000": "http://localhost:9000",
		"[::]:80": "http://localhost:80", "127.0.0.1:8080": "http://127.0.0.1:8080", "[::1]:8080": "http://[::1]:8080"} {
		a, _ := net.ResolveTCPAddr("tcp", addr)
		if got := localURL(a); got != want {
			t.Errorf("localURL(%s) = %s, want %s", addr, got, want)
		}
	}
}

// uploadURL uploads a user file to the service at base and returns the
// download link it hands out.
func uploadURL(t *testing.T, base, token string) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("operations", `{"query":"mutation($file: Upload!) { uploadUserFile(file: $file) { url } }","variables":{"file":null}}`)
	_ = mw.WriteField("map", `{"0":["variables.file"]}`)
	fw, _ := mw.CreateFormFile("0", "note.txt")
	_, _ = fw.Write([]byte("hello"))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", base+"/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct{ UploadUserFile struct{ URL string } }
	}
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &out); err != nil || out.Data.UploadUserFile.URL == "" {
		t.Fatalf("upload: %v %s", err, b)
	}
	return out.Data.UploadUserFile.URL
}
