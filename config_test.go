package main

import (
	"bytes"
	"context"
	flag "github.com/spf13/pflag"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"userbridge/graph"
	"userbridge/internal/app"
)

func TestGraphQLLimitFlags(t *testing.T) {
	t.Run("flags set every GraphQL limit", func(t *testing.T) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		resolve := serverFlags(fs)
		if err := fs.Parse([]string{"--graphql-selections=300", "--graphql-repeats=7", "--graphql-nodes=9",
			"--graphql-introspection-depth=16", "--graphql-complexity=500", "--graphql-list-size=25"}); err != nil {
			t.Fatal(err)
		}
		cfg, err := resolve()
		if err != nil {
			t.Fatal(err)
		}
		l := cfg.GraphQL.Limits
		if l.Selections != 300 || l.Repeats != 7 || l.NodesIDs != 9 || l.IntrospectionDepth != 16 ||
			cfg.GraphQL.Complexity != 500 || cfg.GraphQL.ListSize != 25 {
			t.Fatalf("%+v complexity=%d list=%d", l, cfg.GraphQL.Complexity, cfg.GraphQL.ListSize)
		}
	})
	t.Run("environment sets them when no flag does", func(t *testing.T) {
		t.Setenv("GRAPHQL_MAX_SELECTIONS", "123")
		resolve := serverFlags(flag.NewFlagSet("serve", flag.ContinueOnError))
		cfg, err := resolve()
		if err != nil || cfg.GraphQL.Limits.Selections != 123 || cfg.GraphQL.Limits.Repeats != 20 {
			t.Fatalf("%v %+v", err, cfg.GraphQL.Limits)
		}
	})
	t.Run("a value that is not a number is refused", func(t *testing.T) {
		t.Setenv("GRAPHQL_MAX_NODES", "lots")
		if _, err := serverFlags(flag.NewFlagSet("serve", flag.ContinueOnError))(); err == nil {
			t.Fatal("accepted")
		}
	})
}

// TestGraphQLLoadingSetting covers --graphql-loading / GRAPHQL_LOADING:
// auto by default, planned and edges accepted, anything else refused.
func TestGraphQLLoadingSetting(t *testing.T) {
	for _, tc := range []struct {
		flag, want string
		refused    bool
	}{
		{"", app.LoadingAuto, false},
		{"planned", app.LoadingPlanned, false},
		{"edges", app.LoadingEdges, false},
		{"Planned", "", true},
		{"all", "", true},
		{"planned\x00", "", true},
	} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		resolve := serverFlags(fs)
		var args []string
		if tc.flag != "" {
			args = []string{"--graphql-loading=" + tc.flag}
		}
		err := fs.Parse(args)
		var cfg app.Config
		if err == nil {
			cfg, err = resolve()
		}
		switch {
		case tc.refused && err == nil:
			t.Errorf("%q: accepted as %q", tc.flag, cfg.GraphQLLoading)
		case !tc.refused && (err != nil || cfg.GraphQLLoading != tc.want):
			t.Errorf("%q: %v %q, want %q", tc.flag, err, cfg.GraphQLLoading, tc.want)
		}
	}
	t.Setenv("GRAPHQL_LOADING", "edges")
	if cfg, err := serverFlags(flag.NewFlagSet("serve", flag.ContinueOnError))(); err != nil || cfg.GraphQLLoading != app.LoadingEdges {
		t.Errorf("GRAPHQL_LOADING=edges: %v %q", err, cfg.GraphQLLoading)
	}
}

// TestTrustedProxiesSetting covers --trusted-proxies / TRUSTED_PROXIES.
func TestTrustedProxiesSetting(t *testing.T) {
	load := func(t *testing.T, args ...string) (string, error) {
		t.Helper()
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		resolve := serverFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		cfg, err := resolve()
		return cfg.TrustedProxies.String(), err
	}
	t.Run("default trusts no proxy", func(t *testing.T) {
		t.Setenv("TRUSTED_PROXIES", "")
		if got, err := load(t); got != "" || err != nil {
			t.Fatalf("%q, %v", got, err)
		}
	})
	t.Run("flag read as CIDRs", func(t *testing.T) {
		if got, err := load(t, "--trusted-proxies", "10.0.0.0/8, fd00::/8"); got != "10.0.0.0/8,fd00::/8" || err != nil {
			t.Fatalf("%q, %v", got, err)
		}
	})
	t.Run("environment read when the flag is absent", func(t *testing.T) {
		t.Setenv("TRUSTED_PROXIES", "192.0.2.0/24")
		if got, err := load(t); got != "192.0.2.0/24" || err != nil {
			t.Fatalf("%q, %v", got, err)
		}
	})
	t.Run("serve refuses to start on an invalid CIDR, saying which", func(t *testing.T) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/8,10.0.0.0/33",
			"--database", "sqlite://" + filepath.Join(t.TempDir(), "app.db")}, &out, &out)
		want := `--trusted-proxies / TRUSTED_PROXIES: "10.0.0.0/8,10.0.0.0/33" is not valid: "10.0.0.0/33" is not a CIDR such as 10.0.0.0/8 or fd00::/8`
		if err == nil || err.Error() != want {
			t.Fatalf("serve: %v\nwant %s", err, want)
		}
	})
	t.Run("a typo with address bits past the prefix is refused", func(t *testing.T) {
		if _, err := load(t, "--trusted-proxies", "10.0.0.1/8"); err == nil || !strings.Contains(err.Error(), "write 10.0.0.0/8 for the network") {
			t.Fatalf("%v", err)
		}
	})
}

// TestOperationsSettings covers CORS_ORIGINS, LOG_FORMAT,
// GRAPHQL_PERSISTED_QUERIES, METRICS_ADDR and OTEL_EXPORTER_OTLP_ENDPOINT.
func TestOperationsSettings(t *testing.T) {
	resolve := func(t *testing.T, env map[string]string) error {
		t.Helper()
		for k, v := range env {
			t.Setenv(k, v)
		}
		_, err := serverFlags(flag.NewFlagSet("serve", flag.ContinueOnError))()
		return err
	}
	t.Run("values are read", func(t *testing.T) {
		t.Setenv("CORS_ORIGINS", "https://front.example, http://localhost:3000")
		t.Setenv("GRAPHQL_PERSISTED_QUERIES", "false")
		t.Setenv("METRICS_ADDR", "127.0.0.1:9090")
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
		cfg, err := serverFlags(flag.NewFlagSet("serve", flag.ContinueOnError))()
		if err != nil || strings.Join(cfg.CORSOrigins, " ") != "https://front.example http://localhost:3000" ||
			cfg.PersistedQueries || cfg.MetricsAddr != "127.0.0.1:9090" || cfg.OTLPEndpoint != "http://collector:4318" {
			t.Fatalf("%v %+v", err, cfg)
		}
	})
	t.Run("persisted queries are on by default", func(t *testing.T) {
		cfg, err := serverFlags(flag.NewFlagSet("serve", flag.ContinueOnError))()
		if err != nil || !cfg.PersistedQueries {
			t.Fatalf("%v %v", err, cfg.PersistedQueries)
		}
	})
	for name, env := range map[string]map[string]string{
		"an unknown log format":        {"LOG_FORMAT": "txt"},
		"an origin with a path":        {"CORS_ORIGINS": "https://front.example/app"},
		"an origin without its scheme": {"CORS_ORIGINS": "front.example"},
		"persisted queries not a bool": {"GRAPHQL_PERSISTED_QUERIES": "sometimes"},
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			if err := resolve(t, env); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestSubscriptionSettings covers the GRAPHQL_WS_* limits of the WebSocket
// endpoint: unset they stay zero (graph's defaults, which the help shows),
// a flag or a variable sets each, and a value that cannot be a limit is a
// usage error rather than an endpoint without one.
func TestSubscriptionSettings(t *testing.T) {
	t.Run("unset: graph's defaults", func(t *testing.T) {
		cfg, err := serverFlags(flag.NewFlagSet("serve", flag.ContinueOnError))()
		if err != nil || !reflect.DeepEqual(cfg.Subscriptions, graph.SubscriptionOptions{}) {
			t.Fatalf("%v %+v", err, cfg.Subscriptions)
		}
	})
	t.Run("flags and environment set every limit", func(t *testing.T) {
		t.Setenv("GRAPHQL_WS_CONNECTIONS", "3")
		t.Setenv("GRAPHQL_WS_RECHECK", "30s")
		t.Setenv("GRAPHQL_WS_SUBSCRIPTIONS", "99") // the flag wins
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		resolve := serverFlags(fs)
		if err := fs.Parse([]string{"--graphql-ws-subscriptions=4", "--graphql-ws-init-timeout=2s",
			"--graphql-ws-message-bytes=8192", "--graphql-ws-keep-alive=40s"}); err != nil {
			t.Fatal(err)
		}
		cfg, err := resolve()
		want := graph.SubscriptionOptions{ConnectionsPerCredential: 3, PerConnection: 4, InitTimeout: 2 * time.Second,
			KeepAlive: 40 * time.Second, Recheck: 30 * time.Second, MaxMessageBytes: 8192}
		if err != nil || !reflect.DeepEqual(cfg.Subscriptions, want) {
			t.Fatalf("%v %+v", err, cfg.Subscriptions)
		}
	})
	for name, bad := range map[string][2]string{
		"no connection at all":   {"GRAPHQL_WS_CONNECTIONS", "0"},
		"negative subscriptions": {"GRAPHQL_WS_SUBSCRIPTIONS", "-1"},
		"a zero init timeout":    {"GRAPHQL_WS_INIT_TIMEOUT", "0"},
		"a bare number":          {"GRAPHQL_WS_KEEP_ALIVE", "25"},
		"a zero recheck":         {"GRAPHQL_WS_RECHECK", "0s"},
		"a size with a unit":     {"GRAPHQL_WS_MAX_MESSAGE_BYTES", "64KiB"},
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			t.Setenv(bad[0], bad[1])
			_, err := serverFlags(flag.NewFlagSet("serve", flag.ContinueOnError))()
			if err == nil || !strings.Contains(err.Error(), bad[0]) {
				t.Fatalf("accepted or unnamed: %v", err)
			}
		})
	}
}
