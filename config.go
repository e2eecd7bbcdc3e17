package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"userbridge/app"
	"userbridge/reqinfo"
)

// setting is one flag with its environment variable: the flag wins, then the
// variable, then the default.
type setting struct {
	flag, env, usage string
	apply            func(string) error
	def              string
}

// serverFlags registers the server settings on fs and returns a function
// that resolves them (flags, then environment, then defaults) into a Config.
func serverFlags(fs *flag.FlagSet) func() (app.Config, error) {
	cfg := app.Defaults()
	str := func(p *string) func(string) error { return func(s string) error { *p = s; return nil } }
	num := func(p *int) func(string) error {
		return func(s string) error {
			n, err := strconv.Atoi(s)
			*p = n
			return err
		}
	}
	num64 := func(p *int64) func(string) error {
		return func(s string) error {
			n, err := strconv.ParseInt(s, 10, 64)
			*p = n
			return err
		}
	}
	dur := func(p *time.Duration) func(string) error {
		return func(s string) error {
			d, err := time.ParseDuration(s)
			*p = d
			return err
		}
	}
	logFormat := "json"
	settings := []setting{
		{"addr", "ADDR", "listen address", str(&cfg.Addr), cfg.Addr},
		{"database", "DATABASE_URL", "database URL: sqlite://PATH or postgres://...", str(&cfg.DatabaseURL), cfg.DatabaseURL},
		{"storage", "STORAGE_URL", "blob storage URL: file://DIR or s3://BUCKET", str(&cfg.StorageURL), cfg.StorageURL},
		{"public-url", "PUBLIC_URL", "absolute base URL of links the service hands out", str(&cfg.PublicURL), cfg.PublicURL},
		{"redis", "REDIS_URL", "Redis URL for shared rate limits (empty: in memory)", str(&cfg.RedisURL), ""},
		{"trusted-proxies", "TRUSTED_PROXIES", "comma-separated CIDRs of proxies whose X-Forwarded-For names the client (empty: none)", func(s string) error {
			p, err := reqinfo.ParseProxies(s)
			cfg.TrustedProxies = p
			return err
		}, ""},
		{"secret", "SECRET_KEY", "secret signing download links (empty: generated once, kept in the database)", str(&cfg.Secret), ""},
		{"user-file-quota", "USER_FILE_QUOTA", "user files kept per user and nature", num(&cfg.UserFileQuota), strconv.Itoa(cfg.UserFileQuota)},
		{"max-upload", "MAX_UPLOAD_BYTES", "largest accepted upload, bytes", num64(&cfg.MaxUploadBytes), strconv.FormatInt(cfg.MaxUploadBytes, 10)},
		{"max-json", "MAX_JSON_BYTES", "largest accepted JSON body, bytes", num64(&cfg.MaxJSONBytes), strconv.FormatInt(cfg.MaxJSONBytes, 10)},
		{"rate-limit", "RATE_LIMIT", "users-v1 requests per minute per credential (0: off)", num(&cfg.APIRate.Rate), strconv.Itoa(cfg.APIRate.Rate)},
		{"rate-burst", "RATE_BURST", "users-v1 burst per credential", num(&cfg.APIRate.Burst), strconv.Itoa(cfg.APIRate.Burst)},
		{"login-rate", "LOGIN_RATE", "login attempts per minute per account and per address", num(&cfg.LoginRate.Rate), strconv.Itoa(cfg.LoginRate.Rate)},
		{"graphql-depth", "GRAPHQL_MAX_DEPTH", "GraphQL maximum depth", num(&cfg.GraphQL.Limits.Depth), strconv.Itoa(cfg.GraphQL.Limits.Depth)},
		{"graphql-aliases", "GRAPHQL_MAX_ALIASES", "GraphQL maximum aliases", num(&cfg.GraphQL.Limits.Aliases), strconv.Itoa(cfg.GraphQL.Limits.Aliases)},
		{"graphql-directives", "GRAPHQL_MAX_DIRECTIVES", "GraphQL maximum directives", num(&cfg.GraphQL.Limits.Directives), strconv.Itoa(cfg.GraphQL.Limits.Directives)},
		{"graphql-introspection-depth", "GRAPHQL_MAX_INTROSPECTION_DEPTH", "GraphQL maximum depth under __schema and __type", num(&cfg.GraphQL.Limits.IntrospectionDepth), strconv.Itoa(cfg.GraphQL.Limits.IntrospectionDepth)},
		{"graphql-selections", "GRAPHQL_MAX_SELECTIONS", "GraphQL maximum selections, fragments expanded", num(&cfg.GraphQL.Limits.Selections), strconv.Itoa(cfg.GraphQL.Limits.Selections)},
		{"graphql-repeats", "GRAPHQL_MAX_REPEATS", "GraphQL maximum fields merged into one response key", num(&cfg.GraphQL.Limits.Repeats), strconv.Itoa(cfg.GraphQL.Limits.Repeats)},
		{"graphql-nodes", "GRAPHQL_MAX_NODES", "GraphQL maximum ids of nodes(ids:)", num(&cfg.GraphQL.Limits.NodesIDs), strconv.Itoa(cfg.GraphQL.Limits.NodesIDs)},
		{"graphql-complexity", "GRAPHQL_MAX_COMPLEXITY", "GraphQL maximum complexity", num(&cfg.GraphQL.Complexity), strconv.Itoa(cfg.GraphQL.Complexity)},
		{"graphql-list-size", "GRAPHQL_LIST_SIZE", "GraphQL items complexity assumes for a list or a page without first/last", num(&cfg.GraphQL.ListSize), strconv.Itoa(cfg.GraphQL.ListSize)},
		{"graphql-tokens", "GRAPHQL_MAX_TOKENS", "GraphQL parser token limit", num(&cfg.GraphQL.TokenLimit), strconv.Itoa(cfg.GraphQL.TokenLimit)},
		{"graphql-page-size", "GRAPHQL_PAGE_SIZE", "GraphQL connection page size without first or last", num(&cfg.GraphQL.PageSize), strconv.Itoa(cfg.GraphQL.PageSize)},
		{"graphql-max-page-size", "GRAPHQL_MAX_PAGE_SIZE", "GraphQL largest first or last", num(&cfg.GraphQL.MaxPageSize), strconv.Itoa(cfg.GraphQL.MaxPageSize)},
		{"graphql-introspection", "GRAPHQL_INTROSPECTION", "allow GraphQL introspection (true/false)", func(s string) error {
			b, err := strconv.ParseBool(s)
			cfg.GraphQL.Introspection = b
			return err
		}, strconv.FormatBool(cfg.GraphQL.Introspection)},
		{"link-ttl", "LINK_TTL", "lifetime of signed download links, e.g. 1h", dur(&cfg.LinkTTL), "1h"},
		{"temporary-ttl", "TEMPORARY_FILE_TTL", "lifetime of unadopted temporary files", dur(&cfg.TemporaryFileTTL), "1h"},
		{"temporary-files", "TEMPORARY_FILES_PER_USER", "temporary files one user may have pending", num(&cfg.TemporaryFiles), strconv.Itoa(cfg.TemporaryFiles)},
		{"temporary-bytes", "TEMPORARY_BYTES_PER_USER", "bytes of temporary files one user may have pending", num64(&cfg.TemporaryBytes), strconv.FormatInt(cfg.TemporaryBytes, 10)},
		{"max-image-body", "MAX_IMAGE_BODY_BYTES", "largest Maarch JSON body (inline picture, signatures), bytes", num64(&cfg.MaxImageBody), strconv.FormatInt(cfg.MaxImageBody, 10)},
		{"log-format", "LOG_FORMAT", "log format: json or text", str(&logFormat), logFormat},
		{"pprof", "PPROF", "serve /debug/pprof, unauthenticated (true/false; profiling only)", func(s string) error {
			b, err := strconv.ParseBool(s)
			cfg.Pprof = b
			return err
		}, "false"},
	}
	vals := make([]*string, len(settings))
	for i, s := range settings {
		vals[i] = fs.String(s.flag, "", fmt.Sprintf("%s (env %s, default %q)", s.usage, s.env, s.def))
	}
	return func() (app.Config, error) {
		for i, s := range settings {
			v := *vals[i]
			if v == "" {
				v = os.Getenv(s.env)
			}
			if v == "" {
				continue
			}
			if err := s.apply(strings.TrimSpace(v)); err != nil {
				return cfg, fmt.Errorf("--%s / %s: %q is not valid: %w", s.flag, s.env, v, err)
			}
		}
		cfg.Logger = newLogger(logFormat)
		return cfg, nil
	}
}

func newLogger(format string) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}
