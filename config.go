package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"userbridge/graph"
	"userbridge/internal/app"
	"userbridge/internal/auditlog"
	"userbridge/internal/edge/reqinfo"
)

// setting is one flag with its environment variable: the flag wins, then the
// variable, then the default. A row whose default is "true" or "false" is a
// boolean flag (given alone, it means true).
type setting struct {
	flag, env, usage string
	apply            func(string) error
	def              string
}

// storeFlags are the settings the administration commands take: they reach
// the store and nothing else the server does.
var storeFlags = []string{"database", "storage"}

// settings is the table of every server setting, applying to cfg (and
// *logFormat, which picks cfg.Logger).
func settings(cfg *app.Config, logFormat *string) []setting {
	return []setting{
		{"addr", "ADDR", "listen address", str(&cfg.Addr), cfg.Addr},
		{"database", "DATABASE_URL", "database URL: sqlite://PATH or postgres://...", str(&cfg.DatabaseURL), cfg.DatabaseURL},
		{"storage", "STORAGE_URL", "blob storage URL: file://DIR or s3://BUCKET", str(&cfg.StorageURL), cfg.StorageURL},
		{"public-url", "PUBLIC_URL", "absolute base URL of links the service hands out (empty: http://localhost:PORT, from --addr)", absURL(&cfg.PublicURL), ""},
		{"redis", "REDIS_URL", "Redis URL for shared rate limits (empty: in memory)", str(&cfg.RedisURL), ""},
		{"redis-prefix", "REDIS_PREFIX", "prefix of every Redis key (deployments sharing one Redis)", str(&cfg.RedisPrefix), "userbridge:"},
		{"trusted-proxies", "TRUSTED_PROXIES", "comma-separated CIDRs of proxies whose X-Forwarded-For names the client (empty: none)", func(s string) error {
			p, err := reqinfo.ParseProxies(s)
			cfg.TrustedProxies = p
			return err
		}, ""},
		{"secret", "SECRET_KEY", "secret signing download links and sealing OpenID Connect keys (empty: generated once, kept in the database; OpenID Connect then only on a loopback PUBLIC_URL)", str(&cfg.Secret), ""},
		{"user-file-quota", "USER_FILE_QUOTA", "user files kept per user and nature", positive(&cfg.UserFileQuota), strconv.Itoa(cfg.UserFileQuota)},
		{"max-upload", "MAX_UPLOAD_BYTES", "largest accepted upload, bytes", positive64(&cfg.MaxUploadBytes), strconv.FormatInt(cfg.MaxUploadBytes, 10)},
		{"max-json", "MAX_JSON_BYTES", "largest accepted JSON body, bytes", positive64(&cfg.MaxJSONBytes), strconv.FormatInt(cfg.MaxJSONBytes, 10)},
		{"rate-limit", "RATE_LIMIT", "users-v1 requests per minute per credential and per user (0: off)", count(&cfg.APIRate.Rate), strconv.Itoa(cfg.APIRate.Rate)},
		{"rate-burst", "RATE_BURST", "users-v1 burst per credential and per user", count(&cfg.APIRate.Burst), strconv.Itoa(cfg.APIRate.Burst)},
		{"login-rate", "LOGIN_RATE", "login attempts per minute per account and per address", count(&cfg.LoginRate.Rate), strconv.Itoa(cfg.LoginRate.Rate)},
		{"max-api-key-ttl", "MAX_API_KEY_TTL", "longest lifetime of an API key made by createApiKey", duration(&cfg.MaxAPIKeyTTL), cfg.MaxAPIKeyTTL.String()},
		{"graphql-depth", "GRAPHQL_MAX_DEPTH", "GraphQL maximum depth", positive(&cfg.GraphQL.Limits.Depth), strconv.Itoa(cfg.GraphQL.Limits.Depth)},
		{"graphql-aliases", "GRAPHQL_MAX_ALIASES", "GraphQL maximum aliases", positive(&cfg.GraphQL.Limits.Aliases), strconv.Itoa(cfg.GraphQL.Limits.Aliases)},
		{"graphql-directives", "GRAPHQL_MAX_DIRECTIVES", "GraphQL maximum directives", positive(&cfg.GraphQL.Limits.Directives), strconv.Itoa(cfg.GraphQL.Limits.Directives)},
		{"graphql-introspection-depth", "GRAPHQL_MAX_INTROSPECTION_DEPTH", "GraphQL maximum depth under __schema and __type", positive(&cfg.GraphQL.Limits.IntrospectionDepth), strconv.Itoa(cfg.GraphQL.Limits.IntrospectionDepth)},
		{"graphql-selections", "GRAPHQL_MAX_SELECTIONS", "GraphQL maximum selections, fragments expanded", positive(&cfg.GraphQL.Limits.Selections), strconv.Itoa(cfg.GraphQL.Limits.Selections)},
		{"graphql-repeats", "GRAPHQL_MAX_REPEATS", "GraphQL maximum fields merged into one response key", positive(&cfg.GraphQL.Limits.Repeats), strconv.Itoa(cfg.GraphQL.Limits.Repeats)},
		{"graphql-nodes", "GRAPHQL_MAX_NODES", "GraphQL maximum ids of nodes(ids:)", positive(&cfg.GraphQL.Limits.NodesIDs), strconv.Itoa(cfg.GraphQL.Limits.NodesIDs)},
		{"graphql-complexity", "GRAPHQL_MAX_COMPLEXITY", "GraphQL maximum complexity", positive(&cfg.GraphQL.Complexity), strconv.Itoa(cfg.GraphQL.Complexity)},
		{"graphql-list-size", "GRAPHQL_LIST_SIZE", "GraphQL items complexity assumes for a list or a page without first/last", positive(&cfg.GraphQL.ListSize), strconv.Itoa(cfg.GraphQL.ListSize)},
		{"graphql-tokens", "GRAPHQL_MAX_TOKENS", "GraphQL parser token limit", positive(&cfg.GraphQL.TokenLimit), strconv.Itoa(cfg.GraphQL.TokenLimit)},
		{"graphql-page-size", "GRAPHQL_PAGE_SIZE", "GraphQL connection page size without first or last", positive(&cfg.GraphQL.PageSize), strconv.Itoa(cfg.GraphQL.PageSize)},
		{"graphql-max-page-size", "GRAPHQL_MAX_PAGE_SIZE", "GraphQL largest first or last", positive(&cfg.GraphQL.MaxPageSize), strconv.Itoa(cfg.GraphQL.MaxPageSize)},
		{"graphql-answer-bytes", "GRAPHQL_MAX_ANSWER_BYTES", "GraphQL most bytes of large fields (signature images) in one answer", positive64(&cfg.GraphQL.MaxAnswerBytes), strconv.FormatInt(cfg.GraphQL.MaxAnswerBytes, 10)},
		{"graphql-budget-rate", "GRAPHQL_BUDGET_RATE", "GraphQL cost points refilled per second into each client's budget (0: off)", count(&cfg.Budget.Limit.Rate), strconv.Itoa(cfg.Budget.Limit.Rate)},
		{"graphql-budget-burst", "GRAPHQL_BUDGET_BURST", "GraphQL cost points one client's budget holds (at least the complexity limit)", count(&cfg.Budget.Limit.Burst), strconv.Itoa(cfg.Budget.Limit.Burst)},
		{"graphql-refused-cost", "GRAPHQL_REFUSED_COST", "GraphQL cost points an operation refused before it runs costs", count(&cfg.Budget.RefusedCost), strconv.Itoa(cfg.Budget.RefusedCost)},
		{"graphql-concurrency", "GRAPHQL_CONCURRENCY", "GraphQL requests of one client in flight at once per replica; the others wait (0: unbounded)", count(&cfg.Budget.Concurrency), strconv.Itoa(cfg.Budget.Concurrency)},
		{"graphql-budget-wait", "GRAPHQL_BUDGET_WAIT", "longest wait of a GraphQL request for a slot or for its points before RATE_LIMITED", duration(&cfg.Budget.MaxWait), cfg.Budget.MaxWait.String()},
		{"graphql-ws-connections", "GRAPHQL_WS_CONNECTIONS", "GraphQL WebSocket connections one user (or one application acting alone) may hold open per replica, whatever its credentials", positive(&cfg.Subscriptions.ConnectionsPerCredential), strconv.Itoa(graph.DefaultConnectionsPerCredential)},
		{"graphql-ws-subscriptions", "GRAPHQL_WS_SUBSCRIPTIONS", "GraphQL subscriptions running at once on one WebSocket connection", positive(&cfg.Subscriptions.PerConnection), strconv.Itoa(graph.DefaultSubscriptionsPerConnection)},
		{"graphql-ws-init-timeout", "GRAPHQL_WS_INIT_TIMEOUT", "how long a GraphQL WebSocket may stay open before its connection_init", duration(&cfg.Subscriptions.InitTimeout), graph.DefaultInitTimeout.String()},
		{"graphql-ws-message-bytes", "GRAPHQL_WS_MAX_MESSAGE_BYTES", "largest message a GraphQL WebSocket client may send, bytes", positive64(&cfg.Subscriptions.MaxMessageBytes), strconv.FormatInt(graph.DefaultMaxMessageBytes, 10)},
		{"graphql-ws-keep-alive", "GRAPHQL_WS_KEEP_ALIVE", "interval of the server's pings on a GraphQL WebSocket; no pong within two closes it", duration(&cfg.Subscriptions.KeepAlive), graph.DefaultKeepAlive.String()},
		{"graphql-ws-recheck", "GRAPHQL_WS_RECHECK", "how often a GraphQL WebSocket's credential is checked again (relevant audit events and its expiry check it at once)", duration(&cfg.Subscriptions.Recheck), graph.DefaultRecheck.String()},
		{"graphql-loading", "GRAPHQL_LOADING", "how a GraphQL page loads the edges under it: planned (in one statement with the page), edges (one statement per edge), auto (planned on PostgreSQL, edges on SQLite)", oneOf(&cfg.GraphQLLoading, app.LoadingAuto, app.LoadingPlanned, app.LoadingEdges), app.LoadingAuto},
		{"graphql-introspection", "GRAPHQL_INTROSPECTION", "allow GraphQL introspection", boolean(&cfg.GraphQL.Introspection), strconv.FormatBool(cfg.GraphQL.Introspection)},
		{"link-ttl", "LINK_TTL", "lifetime of signed download links", duration(&cfg.LinkTTL), "1h0m0s"},
		{"temporary-ttl", "TEMPORARY_FILE_TTL", "lifetime of unadopted temporary files", duration(&cfg.TemporaryFileTTL), "1h0m0s"},
		{"sweep-interval", "SWEEP_INTERVAL", "file sweeper period (0: no sweeper in this process)", func(s string) error {
			err := atLeastZero(&cfg.SweepEvery)(s)
			if cfg.SweepEvery == 0 {
				cfg.SweepEvery = -1
			}
			return err
		}, "10m0s"},
		{"sweep-grace", "SWEEP_GRACE", "age before the sweeper removes a blob no row names (uploads in flight are younger)", duration(&cfg.SweepGrace), "1h0m0s"},
		{"audit-retention", "AUDIT_RETENTION", "how long audit events are kept (0: for ever)", func(s string) error {
			err := atLeastZero(&cfg.AuditRetention)(s)
			if cfg.AuditRetention == 0 {
				cfg.AuditRetention = -1
			}
			return err
		}, auditlog.DefaultRetention.String()},
		{"audit-events", "AUDIT_EVENTS", "record the audit trail (false only to measure what it costs)", func(s string) error {
			on := true
			err := boolean(&on)(s)
			cfg.AuditOff = !on
			return err
		}, "true"},
		{"skip-migrate", "SKIP_MIGRATE", "leave the schema alone at start (run the migrate command first)", boolean(&cfg.SkipMigrate), "false"},
		{"drain-delay", "DRAIN_DELAY", "on SIGTERM, how long /readyz fails before the listener closes", atLeastZero(&cfg.DrainDelay), cfg.DrainDelay.String()},
		{"shutdown-grace", "SHUTDOWN_GRACE", "after the listener closes, how long in-flight requests may run before they are cancelled", atLeastZero(&cfg.ShutdownGrace), cfg.ShutdownGrace.String()},
		{"temporary-files", "TEMPORARY_FILES_PER_USER", "temporary files one user may have pending", positive(&cfg.TemporaryFiles), strconv.Itoa(cfg.TemporaryFiles)},
		{"temporary-bytes", "TEMPORARY_BYTES_PER_USER", "bytes of temporary files one user may have pending", positive64(&cfg.TemporaryBytes), strconv.FormatInt(cfg.TemporaryBytes, 10)},
		{"signature-sets", "SIGNATURE_SETS_PER_USER", "signature sets (one per external application) one user may keep", positive(&cfg.SignatureSets), strconv.Itoa(cfg.SignatureSets)},
		{"signature-bytes", "SIGNATURE_BYTES_PER_USER", "bytes of signature images one user may keep", positive64(&cfg.SignatureBytes), strconv.FormatInt(cfg.SignatureBytes, 10)},
		{"max-image-body", "MAX_IMAGE_BODY_BYTES", "largest Maarch JSON body (inline picture, signatures), bytes", positive64(&cfg.MaxImageBody), strconv.FormatInt(cfg.MaxImageBody, 10)},
		{"graphql-persisted-queries", "GRAPHQL_PERSISTED_QUERIES", "automatic persisted queries, shared through Redis when set", boolean(&cfg.PersistedQueries), "true"},
		{"otlp-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "OpenTelemetry collector base URL, OTLP over HTTP, e.g. http://localhost:4318 (empty: tracing off)", str(&cfg.OTLPEndpoint), ""},
		{"metrics-addr", "METRICS_ADDR", "serve /metrics on this address instead of the main one (empty: on the main one)", str(&cfg.MetricsAddr), ""},
		{"cors-origins", "CORS_ORIGINS", "comma-separated origins allowed to call /graphql and the REST dialects from a browser, or * (empty: none)", func(s string) error {
			o, err := app.ParseCORSOrigins(s)
			cfg.CORSOrigins = o
			return err
		}, ""},
		{"oidc-key-rotation", "OIDC_KEY_ROTATION", "how long an OpenID Connect signing key signs before the next takes over; the previous stays published as long again (at least 2h)", duration(&cfg.OIDCKeyRotation), "720h0m0s"},
		{"oidc-signing-alg", "OIDC_SIGNING_ALG", "OpenID Connect id_token algorithm: RS256 or ES256", oneOf(&cfg.OIDCSigningAlg, "RS256", "ES256"), "RS256"},
		{"log-format", "LOG_FORMAT", "log format: json or text (empty: text on a terminal, JSON otherwise)", oneOf(logFormat, "json", "text"), *logFormat},
		{"pprof", "PPROF", "serve /debug/pprof, unauthenticated (profiling only)", boolean(&cfg.Pprof), "false"},
	}
}

// serverFlags registers the server settings on fs and returns a function
// that resolves them (flags, then environment, then defaults) into a Config.
func serverFlags(fs *pflag.FlagSet) func() (app.Config, error) {
	return settingFlags(fs, nil, os.Stderr)
}

// settingFlags registers the settings named in only (every one when only
// is nil) on fs; the function it returns resolves them into a Config whose
// logger writes to logOut. A
// value that is not valid is a usage error naming the flag, its variable
// and what it accepts.
func settingFlags(fs *pflag.FlagSet, only []string, logOut io.Writer) func() (app.Config, error) {
	load, _ := settingSources(fs, only, logOut)
	return load
}

// settingSources is settingFlags, also returning a function that gives
// the settings file the last load read (path "" for none).
func settingSources(fs *pflag.FlagSet, only []string, logOut io.Writer) (func() (app.Config, error), func() configFile) {
	configPath := fs.String("config", "", configHelp)
	var used configFile
	cfg := app.Defaults()
	cfg.PublicURL = "" // derived from the bound address unless set (serve)
	logFormat := ""
	fs.SortFlags = false // in the table's order: related settings together
	var rows []setting
	vals := map[string]*settingValue{}
	for _, s := range settings(&cfg, &logFormat) {
		if only != nil && !slices.Contains(only, s.flag) {
			continue
		}
		rows = append(rows, s)
		v := &settingValue{def: s.def}
		vals[s.flag] = v
		f := fs.VarPF(v, s.flag, "", fmt.Sprintf("%s (env %s)", s.usage, s.env))
		f.DefValue = s.def
		if v.Type() == "bool" {
			f.NoOptDefVal = "true"
		}
	}
	return func() (app.Config, error) {
		file, err := loadConfigFile(*configPath, settingVariables())
		if err != nil {
			return cfg, err
		}
		used = file
		for _, s := range rows {
			v, given := vals[s.flag].val, vals[s.flag].set
			if !given {
				v = os.Getenv(s.env) // an empty variable is unset
				given = v != ""
			}
			where := ""
			if !given {
				v, given = file.values[s.env]
				where = " (in " + file.path + ")"
			}
			if !given {
				continue
			}
			if err := s.apply(strings.TrimSpace(v)); err != nil {
				return cfg, usageErrorf("--%s / %s%s: %q is not valid: %w", s.flag, s.env, where, v, err)
			}
		}
		cfg.Logger = newLogger(logFormat, logOut)
		return cfg, nil
	}, func() configFile { return used }
}

// settingValue holds a flag's text until the settings are resolved; its
// type, shown in help, follows the row's default.
type settingValue struct {
	def, val string
	set      bool
}

func (v *settingValue) String() string { return v.val }

func (v *settingValue) Set(s string) error { v.val, v.set = s, true; return nil }

func (v *settingValue) Type() string {
	if v.def == "true" || v.def == "false" {
		return "bool"
	}
	if _, err := strconv.ParseInt(v.def, 10, 64); err == nil {
		return "int"
	}
	if _, err := time.ParseDuration(v.def); err == nil {
		return "duration"
	}
	return "string"
}

func str(p *string) func(string) error { return func(s string) error { *p = s; return nil } }

// count accepts a whole number, 0 or more.
func count(p *int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return errors.New("want a whole number, 0 or more")
		}
		*p = n
		return nil
	}
}

// positive accepts a whole number, 1 or more.
func positive(p *int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return errors.New("want a whole number, 1 or more")
		}
		*p = n
		return nil
	}
}

func positive64(p *int64) func(string) error {
	return func(s string) error {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return errors.New("want a whole number, 1 or more")
		}
		*p = n
		return nil
	}
}

// duration accepts a positive Go duration.
func duration(p *time.Duration) func(string) error {
	return func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return errors.New("want a positive duration such as 90s, 15m or 1h")
		}
		*p = d
		return nil
	}
}

// atLeastZero accepts a duration of 0 or more.
func atLeastZero(p *time.Duration) func(string) error {
	return func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return errors.New("want a duration of 0 or more, such as 0, 5s or 1m")
		}
		*p = d
		return nil
	}
}

func boolean(p *bool) func(string) error {
	return func(s string) error {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("want true or false")
		}
		*p = b
		return nil
	}
}

func oneOf(p *string, accepted ...string) func(string) error {
	return func(s string) error {
		if !slices.Contains(accepted, s) {
			return fmt.Errorf("want %s", strings.Join(accepted, " or "))
		}
		*p = s
		return nil
	}
}

// absURL accepts an absolute http(s) URL, kept without its trailing slash.
func absURL(p *string) func(string) error {
	return func(s string) error {
		if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") || len(s) < len("http://x") {
			return errors.New("want an absolute URL such as https://users.example.com")
		}
		*p = strings.TrimRight(s, "/")
		return nil
	}
}

// newLogger logs to w in format (app.NewLogger: empty is text on a
// terminal, JSON otherwise); the format was checked when the setting was read.
func newLogger(format string, w io.Writer) *slog.Logger {
	l, err := app.NewLogger(format, w)
	if err != nil {
		l, _ = app.NewLogger("", w)
	}
	return l
}
