package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
	"userbridge/playground"
	"userbridge/playground/browsertest"
)

// TestServeBannerNamesTheStore: the start banner says which database and
// which storage the server uses (absolute paths, so that a server started
// in the wrong folder shows it), the public URL and the playground's, and
// the empty-database hint is a command that works for this binary.
func TestServeBannerNamesTheStore(t *testing.T) {
	dir := t.TempDir()
	dbURL := "sqlite://" + filepath.Join(dir, "app.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--database", dbURL,
			"--storage", "file://" + filepath.Join(dir, "files"), "--log-format", "json"}, &stderr, &stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(stderr.String(), "\n") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(stderr.String(), "\n")
	var banner struct {
		Msg, Addr, Database, Storage, Playground, Metrics string
		PublicURL                                         string `json:"public_url"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &banner); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if banner.Database != dbURL || banner.Storage != "file://"+filepath.Join(dir, "files") ||
		banner.PublicURL != "http://"+banner.Addr || banner.Playground != banner.PublicURL+"/graphiql" || banner.Metrics == "" {
		t.Errorf("banner %+v", banner)
	}
	var hint struct{ Msg string }
	if err := json.Unmarshal([]byte(lines[1]), &hint); err != nil {
		t.Fatalf("%v: %s", err, lines[1])
	}
	want := "`" + commandName() + " user create --admin --email you@example.com --password-stdin --database '" + dbURL + "'`"
	if !strings.HasPrefix(hint.Msg, "empty database") || !strings.Contains(hint.Msg, want) {
		t.Errorf("hint %q, want it to hold %s", hint.Msg, want)
	}
}

// TestHintNamesTheRunningBinary: the hint is `go run .` only under go run.
func TestHintNamesTheRunningBinary(t *testing.T) {
	saved := os.Args[0]
	defer func() { os.Args[0] = saved }()
	for arg0, want := range map[string]string{
		"/tmp/go-build2813/b001/exe/userbridge": "go run .",
		"./userbridge":                          "./userbridge",
		"userbridge":                            "userbridge",
		"/usr/local/bin/userbridge":             "/usr/local/bin/userbridge",
	} {
		os.Args[0] = arg0
		if got := firstAdminHint("sqlite://./data/app.db"); got != want+" user create --admin --email you@example.com --password-stdin" {
			t.Errorf("%s: %q", arg0, got)
		}
	}
}

// TestStoreDescriptionsHideSecrets: what the banner and the commands print
// about the store never holds a password or a secret parameter.
func TestStoreDescriptionsHideSecrets(t *testing.T) {
	for raw, want := range map[string]string{
		"postgres://app:s3cr3t@db.example:5432/users?sslmode=require":    "postgres://app:xxxxx@db.example:5432/users?sslmode=require",
		"postgres://app@db.example/users?password=s3cr3t&sslmode=verify": "postgres://app@db.example/users?password=xxxxx&sslmode=verify",
		"host=db.example user=app password=s3cr3t dbname=users":          "host=db.example user=app password=xxxxx dbname=users",
	} {
		if got := describeDatabase(raw); got != want {
			t.Errorf("describeDatabase(%q) = %q, want %q", raw, got, want)
		}
	}
	if got := describeStorage("s3://bucket?region=eu-west-1&secret_access_key=s3cr3t"); strings.Contains(got, "s3cr3t") || !strings.Contains(got, "region=eu-west-1") {
		t.Errorf("describeStorage: %q", got)
	}
	wd, _ := os.Getwd()
	if got := describeDatabase("sqlite://./data/app.db"); got != "sqlite://"+filepath.Join(wd, "data", "app.db") {
		t.Errorf("describeDatabase(sqlite relative) = %q", got)
	}
}

// TestCtrlCOnATerminalStopsAtOnce: the drain delay is for load balancers;
// on a terminal nobody polls /readyz, so Ctrl-C stops at once unless a
// delay was asked for.
func TestCtrlCOnATerminalStopsAtOnce(t *testing.T) {
	for _, c := range []struct {
		given, terminal bool
		want            time.Duration
	}{
		{false, true, 0},
		{true, true, 5 * time.Second},
		{false, false, 5 * time.Second},
		{true, false, 5 * time.Second},
	} {
		if got := drainDelay(5*time.Second, c.given, c.terminal); got != c.want {
			t.Errorf("given %v, terminal %v: %v, want %v", c.given, c.terminal, got, c.want)
		}
	}
}

// isolate runs a test in a folder of its own with no settings from the
// environment or the user's settings file.
func isolate(t *testing.T) string {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config-home"))
	t.Setenv("HOME", filepath.Join(dir, "home"))
	for _, v := range []string{"DATABASE_URL", "STORAGE_URL", configEnv} {
		t.Setenv(v, "")
	}
	return dir
}

// TestReadCommandsNeverCreateADatabase: in a folder without the project,
// `user list` printed an empty table, exited 0 and created ./data/app.db.
// Every read command now fails, naming the file it looked for, and leaves
// nothing behind.
func TestReadCommandsNeverCreateADatabase(t *testing.T) {
	dir := isolate(t)
	for _, args := range [][]string{
		{"user", "list"}, {"user", "show", "--user", "ada@example.com"},
		{"token", "list", "--user", "ada@example.com"}, {"app", "list"}, {"app", "show", "--app", "x"}, {"export"},
	} {
		r := cli(t, "", args...)
		want := filepath.Join(dir, "data", "app.db")
		if r.Code != 1 || r.Err == nil || !strings.Contains(r.Err.Error(), "no database at sqlite://"+want) ||
			!strings.Contains(r.Stderr, "store: sqlite://"+want) {
			t.Errorf("%v: exit %d, %v, stderr %q", args, r.Code, r.Err, r.Stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
			t.Fatalf("%v left %s behind (%v)", args, filepath.Join(dir, "data"), err)
		}
	}
}

// TestReadCommandsNeverCreateTheSchema: on a database without userbridge's
// tables (PostgreSQL, or an unrelated SQLite file), a read command says so
// and creates none; a write command then does.
func TestReadCommandsNeverCreateTheSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		if path, ok := strings.CutPrefix(dbURL, "sqlite://"); ok { // a file of another program
			other, err := sql.Open("sqlite3", path)
			if err == nil {
				_, err = other.Exec("CREATE TABLE notes (body TEXT)")
				other.Close()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		for range 2 { // the second run finds no schema either
			r := cli(t, "", "user", "list", "--database", dbURL)
			if r.Code != 1 || r.Err == nil || !strings.Contains(r.Err.Error(), "no userbridge schema") {
				t.Fatalf("user list on an empty database: exit %d, %v", r.Code, r.Err)
			}
		}
		ok(t, "", "user", "create", "--email", "ada@example.com", "--database", dbURL)
		if out := ok(t, "", "user", "list", "--database", dbURL); !strings.Contains(out, "ada@example.com") {
			t.Fatalf("user list: %s", out)
		}
	})
}

// TestEveryStoreCommandNamesTheStore: each command working on the store
// says which on standard error, its output staying on standard output.
func TestEveryStoreCommandNamesTheStore(t *testing.T) {
	dbURL := dbtest.URL(t, dbtest.SQLite)
	want := "store: " + describeDatabase(dbURL) + "\n"
	create := cli(t, "", "user", "create", "--email", "ada@example.com", "--database", dbURL)
	if create.Code != 0 || create.Stderr != want {
		t.Fatalf("user create: %d %q", create.Code, create.Stderr)
	}
	appID := strings.Fields(ok(t, "", "app", "create", "--name", "Notes", "--database", dbURL))[0]
	for _, args := range [][]string{
		{"migrate"}, {"user", "list"}, {"user", "show", "--user", "ada@example.com"},
		{"token", "create", "--user", "ada@example.com"}, {"token", "list", "--user", "ada@example.com"},
		{"app", "list"}, {"app", "show", "--app", appID},
	} {
		r := cli(t, "", append(args, "--database", dbURL)...)
		if r.Code != 0 || r.Stderr != want {
			t.Errorf("%v: exit %d, stderr %q, want %q", args, r.Code, r.Stderr, want)
		}
	}
}

// TestSettingsFile: --config (or USERBRIDGE_CONFIG, or the default file)
// gives the commands and the server the same store from any folder, its
// relative paths read from the file's folder; flags and variables win; a
// key that is no setting is refused with its line.
func TestSettingsFile(t *testing.T) {
	dir := isolate(t)
	project := filepath.Join(dir, "project")
	if err := os.MkdirAll(project, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(project, "userbridge.env")
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(conf, "# the project's store\nDATABASE_URL=sqlite://./data/app.db\nSTORAGE_URL='file://./data/files'\n")
	wantDB := "sqlite://" + filepath.Join(project, "data", "app.db")

	t.Run("--config names the file; relative paths are the file's", func(t *testing.T) {
		r := cli(t, "", "user", "create", "--email", "ada@example.com", "--config", conf)
		if r.Code != 0 || r.Stderr != "store: "+wantDB+" (settings "+conf+")\n" {
			t.Fatalf("exit %d %v, stderr %q", r.Code, r.Err, r.Stderr)
		}
		if _, err := os.Stat(filepath.Join(project, "data", "app.db")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("USERBRIDGE_CONFIG names it too", func(t *testing.T) {
		t.Setenv(configEnv, conf)
		if out := ok(t, "", "user", "list"); !strings.Contains(out, "ada@example.com") {
			t.Fatalf("user list: %s", out)
		}
	})
	t.Run("the default file is read from any folder", func(t *testing.T) {
		write(filepath.Join(dir, "config-home", "userbridge", "config.env"), "DATABASE_URL="+wantDB+"\n")
		if out := ok(t, "", "user", "list"); !strings.Contains(out, "ada@example.com") {
			t.Fatalf("user list: %s", out)
		}
	})
	t.Run("a flag wins over the file", func(t *testing.T) {
		r := cli(t, "", "user", "list", "--config", conf, "--database", "sqlite://"+filepath.Join(dir, "other.db"))
		if r.Code != 1 || !strings.Contains(r.Err.Error(), "no database at sqlite://"+filepath.Join(dir, "other.db")) {
			t.Fatalf("exit %d %v", r.Code, r.Err)
		}
	})
	t.Run("an unknown key is refused with its line", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.env")
		write(bad, "DATABASE_URL=sqlite://x.db\nDATABSE_URL=sqlite://y.db\n")
		r := cli(t, "", "user", "list", "--config", bad)
		if r.Code != 2 || !strings.Contains(r.Err.Error(), bad+":2: DATABSE_URL is not a setting") {
			t.Fatalf("exit %d %v", r.Code, r.Err)
		}
	})
	t.Run("a --config file that is not there is an error", func(t *testing.T) {
		r := cli(t, "", "user", "list", "--config", filepath.Join(dir, "missing.env"))
		if r.Code != 2 || !strings.Contains(r.Err.Error(), "missing.env") {
			t.Fatalf("exit %d %v", r.Code, r.Err)
		}
	})
}

// TestQuickstartInABrowser walks the README's Quickstart to its last
// step: the commands make an administrator and a token against a fresh
// store, the playground link of step 5 opens on userbridge's example with
// the token in place (no hint), and a query with it answers as the
// administrator.
func TestQuickstartInABrowser(t *testing.T) {
	dbURL := dbtest.URL(t, dbtest.SQLite)
	ok(t, "", "user", "create", "--admin", "--email", "admin@example.com", "--password", "change-me-now", "--database", dbURL)
	token := strings.TrimSpace(ok(t, "", "token", "create", "--user", "admin@example.com", "--database", dbURL))
	env := apptest.New(t, dbURL)
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()

	editor := `document.querySelector(".graphiql-query-editor .CodeMirror")?.CodeMirror.getValue() ?? ""`
	run := url.Values{"query": {"{ viewer { email role } }"}, "run": {"1"}}
	texts := browsertest.RunSteps(t, srv.URL+"/graphiql?token="+url.QueryEscape(token), 60*time.Second,
		browsertest.Step{Eval: editor, WaitFor: "query Me"},
		browsertest.Step{Eval: `(document.getElementById("token-hint") ? "hint shown" : "no hint") + " " + location.search`,
			WaitFor: "no hint"},
		browsertest.Step{NewTab: srv.URL + "/graphiql?" + run.Encode(), In: playground.ResultPaneSelector, WaitFor: "admin@example.com"},
	)
	if strings.Contains(texts[1], token) {
		t.Errorf("the token stayed in the address bar: %s", texts[1])
	}
	if !strings.Contains(texts[2], `"role": "ADMIN"`) {
		t.Errorf("result pane: %s", texts[2])
	}
}

// TestPlaygroundTeachesWithoutAToken: a browser opening /graphql lands on
// the playground, which opens on userbridge's example (not GraphiQL's
// welcome comment) and, without a token, says how to get one; the login
// mutation it links to gives a token, and once the token is in the
// Headers tab the hint goes.
func TestPlaygroundTeachesWithoutAToken(t *testing.T) {
	dbURL := dbtest.URL(t, dbtest.SQLite)
	ok(t, "", "user", "create", "--admin", "--email", "admin@example.com", "--password", "change-me-now", "--database", dbURL)
	env := apptest.New(t, dbURL)
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()

	editor := `document.querySelector(".graphiql-query-editor .CodeMirror")?.CodeMirror.getValue() ?? ""`
	// The Headers tab, open by default: the one editor tool not hidden.
	headers := `document.querySelector(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")?.CodeMirror`
	texts := browsertest.RunSteps(t, srv.URL+"/graphql", 120*time.Second,
		browsertest.Step{In: "#token-hint", WaitFor: "No token yet"},
		browsertest.Step{Eval: location() + ` + " " + ` + editor, WaitFor: "query Me"},
		// The example holds a Login mutation too: wait for the tab of the
		// link, which holds nothing else.
		browsertest.Step{Click: `#token-hint a`, Eval: `(` + editor + `).startsWith("mutation Login") ? "login tab" : "example"`,
			WaitFor: "login tab"},
		// A click while GraphiQL still loads the schema can be lost: click
		// again, at most every 5 s, until an answer shows.
		browsertest.Step{Eval: `(() => {
			const pane = document.querySelector("` + playground.ResultPaneSelector + `");
			if (pane && pane.innerText.replace(/[\s\u200b]/g, "") === "" && !(Date.now() - (window.clickedAt || 0) < 5000)) {
				window.clickedAt = Date.now();
				document.querySelector(".graphiql-execute-button")?.click();
			}
			return pane ? pane.innerText : "";
		})()`, WaitFor: `"token": "uba_`},
		browsertest.Step{Eval: headers + `.setValue('{"Authorization": "Bearer ubk_example"}') ?? "set"`, WaitFor: "set"},
		browsertest.Step{Eval: `document.getElementById("token-hint") ? "hint shown" : "no hint"`, WaitFor: "no hint"},
	)
	for _, want := range []string{"login mutation", "token create", "Headers tab"} {
		if !strings.Contains(texts[0], want) {
			t.Errorf("the hint does not mention %q: %s", want, texts[0])
		}
	}
	if !strings.HasPrefix(texts[1], "/graphiql ") || strings.Contains(texts[1], "Welcome to GraphiQL") {
		t.Errorf("opened on %s", texts[1])
	}
}

func location() string { return `location.pathname` }

// TestCLIConventions: "did you mean" for a mistyped command, plain words
// for a value a flag cannot parse, -o json|table with errors as JSON, the
// reason a username is refused.
func TestCLIConventions(t *testing.T) {
	dbURL := dbtest.URL(t, dbtest.SQLite)
	ok(t, "", "user", "create", "--admin", "--email", "admin@example.com", "--database", dbURL)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"usr", "list"}, 2, `unknown command "usr" for "userbridge"; did you mean "user"?`},
		{[]string{"user", "lst"}, 2, `did you mean "list"?`},
		{[]string{"token", "revoke", "--id", "abc", "--database", dbURL}, 2, `--id: "abc" is not a credential id: want tok_7, key_7 or ref_7 as token list shows it`},
		{[]string{"token", "create", "--user", "admin@example.com", "--ttl", "5x", "--database", dbURL}, 2, `--ttl: "5x" is not a duration such as 90s`},
		{[]string{"user", "list", "-o", "yaml", "--database", dbURL}, 2, `--output: "yaml" is not valid: want table or json`},
		{[]string{"user", "create", "--email", "r@example.com", "--username", "root", "--database", dbURL}, 2, `"root" is reserved`},
		{[]string{"user", "create", "--email", "r@example.com", "--username", "r!", "--database", dbURL}, 2, `3 to 32 of letters`},
	} {
		r := cli(t, "", c.args...)
		if r.Code != c.code || r.Err == nil || !strings.Contains(r.Err.Error(), c.msg) {
			t.Errorf("%v: exit %d, %v; want %d with %q", c.args, r.Code, r.Err, c.code, c.msg)
		}
	}
	t.Run("-o json prints JSON, and errors as JSON", func(t *testing.T) {
		var users []struct{ Email string }
		if err := json.Unmarshal([]byte(ok(t, "", "user", "list", "-o", "json", "--database", dbURL)), &users); err != nil || len(users) != 1 {
			t.Fatalf("%v %+v", err, users)
		}
		var stdout, stderr syncBuffer
		code := runMain(context.Background(), []string{"user", "show", "--user", "nobody@example.com", "-o", "json", "--database", dbURL}, &stdout, &stderr)
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		var report struct {
			Error, Reason string
			ExitCode      int `json:"exit_code"`
		}
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &report); err != nil || code != 1 || report.ExitCode != 1 ||
			report.Reason != "unknown_user" || !strings.Contains(report.Error, "nobody@example.com") {
			t.Fatalf("exit %d, %v, stderr %q", code, err, stderr.String())
		}
		stderr = syncBuffer{}
		if code := runMain(context.Background(), []string{"user", "show", "--user", "nobody@example.com", "--database", dbURL}, &stdout, &stderr); code != 1 ||
			!strings.Contains(stderr.String(), "userbridge: --user: no user nobody@example.com") {
			t.Fatalf("text error: %d %q", code, stderr.String())
		}
	})
}

// TestLastAdministratorGuard: the command line would ban or delete the
// store's last active administrator without a word; it now refuses unless
// --force, and acts once there is another.
func TestLastAdministratorGuard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		ok(t, "", "user", "create", "--admin", "--email", "root@example.com", "--database", dbURL)
		for _, verb := range []string{"ban", "delete"} {
			r := cli(t, "", "user", verb, "--user", "root@example.com", "--database", dbURL)
			if r.Code != 1 || r.Err == nil || !strings.Contains(r.Err.Error(), "last active administrator") {
				t.Fatalf("user %s: exit %d %v", verb, r.Code, r.Err)
			}
		}
		if out := ok(t, "", "user", "show", "--user", "root@example.com", "-o", "json", "--database", dbURL); !strings.Contains(out, `"active"`) {
			t.Fatalf("the administrator changed: %s", out)
		}
		ok(t, "", "user", "create", "--admin", "--email", "second@example.com", "--database", dbURL)
		ok(t, "", "user", "ban", "--user", "root@example.com", "--database", dbURL)
		r := cli(t, "", "user", "delete", "--user", "second@example.com", "--database", dbURL)
		if r.Code != 1 || !strings.Contains(r.Err.Error(), "last active administrator") {
			t.Fatalf("delete the remaining one: exit %d %v", r.Code, r.Err)
		}
		ok(t, "", "user", "delete", "--user", "second@example.com", "--force", "--database", dbURL)
	})
}

// TestDocumentedCLIExamples runs every `go run . COMMAND` line of the
// README's and docs/'s shell blocks (joined across trailing backslashes;
// inside `$(...)` too), in the order a reader meets them, README first,
// against one fresh store: an example that no longer works fails here.
// `go run .` alone serves, which the Quickstart's browser test covers.
// NAME=$(go run . ...) keeps what the command printed for the later
// examples' $NAME and "$NAME" (a client id, for instance).
func TestDocumentedCLIExamples(t *testing.T) {
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	dbURL := dbtest.URL(t, dbtest.SQLite)
	storage := "file://" + filepath.Join(t.TempDir(), "files")
	ran := 0
	vars := map[string]string{}
	for _, page := range append([]string{"README.md"}, pages...) {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range shellExamples(string(text)) {
			command := ex.command
			for name, value := range vars {
				command = strings.ReplaceAll(strings.ReplaceAll(command, `"$`+name+`"`, value), "$"+name, value)
			}
			args, err := shellWords(command)
			if err != nil {
				t.Fatalf("%s:%d: %v", page, ex.line, err)
			}
			args = append(args, "--database", dbURL)
			if args[0] == "user" && len(args) > 1 && args[1] == "delete" {
				args = append(args, "--storage", storage)
			}
			r := cli(t, "", args...)
			if r.Code != 0 {
				t.Errorf("%s:%d: go run . %s: exit %d: %v\n%s", page, ex.line, ex.command, r.Code, r.Err, r.Stderr)
			}
			if ex.assign != "" {
				vars[ex.assign] = strings.TrimSpace(r.Stdout)
			}
			ran++
		}
	}
	if ran < 10 {
		t.Fatalf("only %d examples found", ran)
	}
}

// shellExample is one `go run .` command of a page: what follows it, and
// its line.
type shellExample struct {
	command string
	line    int
	assign  string // NAME of NAME=$(go run . ...)
}

var (
	goRun       = regexp.MustCompile(`(?:^|\$\()go run \. ([^)#]*)`)
	goRunAssign = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=\$\(go run \. `)
)

// shellExamples lists the `go run . ...` commands of a page's sh blocks.
func shellExamples(text string) []shellExample {
	var out []shellExample
	fenced, sh := false, false
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if strings.HasPrefix(trimmed, "```") {
			fenced, sh = !fenced, trimmed == "```sh"
			continue
		}
		if !fenced || !sh {
			continue
		}
		start := i
		line := trimmed
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(lines[i])
		}
		if m := goRun.FindStringSubmatch(line); m != nil && strings.TrimSpace(m[1]) != "" {
			ex := shellExample{command: strings.TrimSpace(m[1]), line: start + 1}
			if a := goRunAssign.FindStringSubmatch(line); a != nil {
				ex.assign = a[1]
			}
			out = append(out, ex)
		}
	}
	return out
}

// shellWords splits a command as a POSIX shell would for the quoting the
// examples use: spaces, '...' and "..." (no expansion).
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case '\'', '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unclosed quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// TestUserAsArgument: the user a command acts on may be its argument, by
// e-mail address, public id or integer id, as kubectl and gh name objects.
func TestUserAsArgument(t *testing.T) {
	dbURL := dbtest.URL(t, dbtest.SQLite)
	created := strings.Fields(ok(t, "", "user", "create", "--email", "ada@example.com", "--database", dbURL))
	id, publicID := created[0], created[1]
	for _, ref := range []string{"ada@example.com", publicID, id} {
		if out := ok(t, "", "user", "show", ref, "--database", dbURL); !strings.Contains(out, "ada@example.com") {
			t.Errorf("user show %s: %s", ref, out)
		}
	}
	if tok := ok(t, "", "token", "create", id, "--database", dbURL); !strings.HasPrefix(tok, "ubk_") {
		t.Errorf("token create %s: %q", id, tok)
	}
	fails(t, 1, "--user: no user 99", "user", "show", "99", "--database", dbURL)
	fails(t, 2, "acts on one user, not 2", "user", "show", id, publicID, "--database", dbURL)
	fails(t, 2, "name the user once", "user", "show", id, "--user", "ada@example.com", "--database", dbURL)
}
