package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"userbridge/ent/legacyid"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/shadow"
	"userbridge/internal/store/db/dbtest"
)

func TestShadowCommandUsage(t *testing.T) {
	db := []string{"--database", "sqlite://" + t.TempDir() + "/x.db"}
	for _, c := range []struct {
		msg  string
		args []string
	}{
		{"go in threes", []string{"shadow"}},
		{"go in threes", []string{"shadow", "--dialect", "maarch", "--upstream", "http://x"}},
		{"one of edufocus", []string{"shadow", "--dialect", "sap", "--upstream", "http://x", "--listen", ":0"}},
		{"absolute http", []string{"shadow", "--dialect", "maarch", "--upstream", "ftp://x", "--listen", ":0"}},
		{"absolute http", []string{"shadow", "--dialect", "maarch", "--upstream", "/relative", "--listen", ":0"}},
		{"from 0 to 1", []string{"shadow", "--dialect", "maarch", "--upstream", "http://x", "--listen", ":0", "--noise-sample", "2"}},
		{"must be positive", []string{"shadow", "--dialect", "maarch", "--upstream", "http://x", "--listen", ":0", "--queue", "0"}},
		{"unknown flag: --addr", []string{"shadow", "--addr", ":0"}},
	} {
		fails(t, 2, c.msg, append(c.args, db...)...)
	}
}

// The command end to end: a legacy stand-in, a store made with the
// administration commands, a client through the shadow, the report.
func TestShadowCommandServes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		db := []string{"--database", dbURL}
		ok(t, "", append([]string{"user", "create", "--admin", "--email", "ada@example.com", "--password", "change-me-now"}, db...)...)
		token := strings.TrimSpace(ok(t, "", append([]string{"token", "create", "--user", "ada@example.com"}, db...)...))
		legacy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"users":[{"id":1,"login":"legacy","firstname":"","lastname":""}]}`)
		}))
		defer legacy.Close()

		ctx, cancel := context.WithCancel(t.Context())
		logs, addrs := addrWatcher()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, append([]string{"shadow", "--dialect", "maarch", "--upstream", legacy.URL,
				"--listen", "127.0.0.1:0", "--log-format", "json", "--storage", "file://" + t.TempDir()}, db...), io.Discard, logs)
		}()
		var addr string
		select {
		case addr = <-addrs:
		case err := <-done:
			t.Fatalf("shadow stopped: %v", err)
		}
		get := func(path string) (int, []byte) {
			req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, b
		}
		if s, b := get("/rest/users"); s != 200 || !strings.Contains(string(b), `"login":"legacy"`) {
			t.Fatalf("client got %d %s", s, b)
		}
		// The comparison runs after the client's answer: wait for it.
		deadline := time.Now().Add(10 * time.Second)
		for {
			s, b := get("/shadow/report.json")
			var rep shadow.Report
			if s != 200 || json.Unmarshal(b, &rep) != nil {
				t.Fatalf("report: %d %s", s, b)
			}
			if rep.Differences() == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no difference reported: %s", b)
			}
			<-time.After(20 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("shadow ended with %v", err)
		}
	})
}

// addrWatcher is a log writer sending the address of "shadow listening".
func addrWatcher() (io.Writer, <-chan string) {
	r, w := io.Pipe()
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "shadow listening" {
				addrs <- line.Addr
			}
		}
	}()
	return w, addrs
}

// The shadow's IDs is the store's legacy ids: a derived id is held, an
// unknown or malformed one is not.
func TestShadowStoreIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		st := dbtest.Open(t, dbURL)
		u, err := st.Client.User.Create().SetEmail("ids@example.com").SetUsername("ids").SetLogin("ids").Save(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := legacyids.Reserve(t.Context(), st.Client, legacyid.DialectMaarch, "999999"); err != nil {
			t.Fatal(err)
		}
		ids := storeIDs{st.Client}
		for _, c := range []struct {
			dialect, id string
			want        bool
		}{
			{"usersv1", "usr_" + u.PublicID, true},
			{"edufocus", u.PublicID, true},
			{"maarch", strconv.Itoa(u.ID), true},
			{"eduplatform", strconv.Itoa(u.ID), true},
			{"usersv1", "usr_ZZZZZZZZ", false},
			{"maarch", strconv.Itoa(u.ID + 1000), false},
			{"maarch", "not-a-number", false},
			{"usersv1", u.PublicID, false}, // without its prefix: not an id the dialect shows
			{"maarch", "999999", false},    // reserved for a person deleted in the legacy system
		} {
			got, err := ids.Imported(t.Context(), c.dialect, c.id)
			if err != nil || got != c.want {
				t.Errorf("Imported(%s, %s) = %v, %v; want %v", c.dialect, c.id, got, err, c.want)
			}
		}
	})
}
