package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/internal/app"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/shadow"
)

// shadowSkipped are the server settings shadow does not take: it listens
// with --listen, answers only the dialects' reads (no GraphQL, no upload,
// no sign-in), runs no file sweeper (the serving replicas do) and keeps
// its rate limits in memory, so that its comparisons never spend the
// budgets of replicas sharing a Redis.
var shadowSkipped = []string{"addr", "metrics-addr", "pprof", "drain-delay", "shutdown-grace",
	"sweep-interval", "sweep-grace", "cors-origins", "redis", "redis-prefix", "otlp-endpoint",
	"max-upload", "user-file-quota", "temporary-ttl", "temporary-files", "temporary-bytes",
	"login-rate", "max-api-key-ttl", "graphql-persisted-queries"}

func shadowCommand(stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "shadow",
		Short: "Stand in front of a legacy system and compare its answers with this store's",
		Long: "Proxy a legacy system's clients: each gets the legacy system's answer, unchanged;\n" +
			"reads are also answered by this store, in process, and the two answers compared.\n" +
			"Writes go to the legacy system only. The report is at /shadow/ on each --listen\n" +
			"address, for an administrator of this store. --dialect, --upstream and --listen\n" +
			"go in threes, once per legacy system (docs/shadow.md).",
		Example: "  userbridge shadow --dialect maarch --upstream https://old.example --listen :8090\n" +
			"  userbridge shadow --dialect usersv1 --upstream http://10.0.0.5 --listen :8091 \\\n" +
			"                    --dialect edufocus --upstream http://10.0.0.6 --listen :8092 --ignore payload.flags",
		Args: noCommand,
	}
	fs := cmd.Flags()
	names := fs.StringArray("dialect", nil, "legacy dialect: "+strings.Join(shadow.Dialects(), ", ")+" (repeat for several systems)")
	upstreams := fs.StringArray("upstream", nil, "the legacy system's base URL, http:// or https:// (one per --dialect)")
	listens := fs.StringArray("listen", nil, "address the legacy system's clients reach, e.g. :8090 (one per --dialect)")
	ignore := fs.StringArray("ignore", nil, "a JSON path never reported, with all under it: users[*].picture, payload.flags, \"header Location\" (repeatable)")
	sample := fs.Float64("noise-sample", 0, "share of reads, 0 to 1, sent upstream twice to learn its noise (spends the clients' upstream rate budget)")
	tolerance := fs.Duration("time-tolerance", time.Second, "how far apart two times written alike may be and be the same")
	maxBytes := fs.Int("max-compare-bytes", 1<<20, "bodies kept for a comparison; longer ones are compared by hash")
	queue := fs.Int("queue", 64, "comparisons waiting; past it they are dropped and counted")
	workers := fs.Int("workers", 0, "comparisons running at once (0: half the cores, at least one)")
	var only []string
	for _, s := range settings(new(app.Defaults()), new("")) {
		if !slices.Contains(shadowSkipped, s.flag) && !strings.HasPrefix(s.flag, "graphql-") {
			only = append(only, s.flag)
		}
	}
	load := settingFlags(fs, only, stderr)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if len(*names) == 0 || len(*names) != len(*upstreams) || len(*names) != len(*listens) {
			return usageErrorf("--dialect, --upstream and --listen go in threes: got %d, %d and %d", len(*names), len(*upstreams), len(*listens))
		}
		if *sample < 0 || *sample > 1 {
			return usageErrorf("--noise-sample is a share from 0 to 1, not %v", *sample)
		}
		if *maxBytes <= 0 || *queue <= 0 || *workers < 0 {
			return usageErrorf("--max-compare-bytes and --queue must be positive, --workers at least 0")
		}
		cfgs := make([]shadow.Config, len(*names))
		for i, d := range *names {
			if !slices.Contains(shadow.Dialects(), d) {
				return usageErrorf("--dialect %q: one of %s", d, strings.Join(shadow.Dialects(), ", "))
			}
			u, err := url.Parse((*upstreams)[i])
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return usageErrorf("--upstream %q: an absolute http:// or https:// URL", (*upstreams)[i])
			}
			cfgs[i] = shadow.Config{Dialect: d, Upstream: u, Ignore: *ignore, NoiseSample: *sample,
				TimeTolerance: *tolerance, MaxCompareBytes: *maxBytes, Queue: *queue, Workers: *workers}
		}
		cfg, err := load()
		if err != nil {
			return err
		}
		return runShadow(cmd.Context(), cfg, cfgs, *listens)
	}
	return cmd
}

// runShadow binds every address first, builds this store (the comparisons'
// side, never written by a client), and proxies until ctx ends.
func runShadow(ctx context.Context, cfg app.Config, cfgs []shadow.Config, listens []string) error {
	lns := make([]net.Listener, 0, len(listens))
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for _, addr := range listens {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		lns = append(lns, ln)
	}
	cfg.SweepEvery = -1
	if cfg.PublicURL == "" {
		cfg.PublicURL = localURL(lns[0].Addr())
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	res := shadow.NewResults(a.Metrics, nil)
	admin := shadow.Admin(res, a.Auth, promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{}))
	log := cfg.Logger
	errc := make(chan error, len(lns))
	var servers []*http.Server
	var proxies []*shadow.Proxy
	for i, sc := range cfgs {
		sc.Store, sc.Routes, sc.Logger = a.Handler, a.Router(), log
		sc.IDs = storeIDs{a.Store.Client}
		p, err := shadow.New(sc, res, admin)
		if err != nil {
			return usageErrorf("--dialect %s: %w", sc.Dialect, err)
		}
		proxies = append(proxies, p)
		srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
			MaxHeaderBytes: 64 << 10}
		servers = append(servers, srv)
		go func(ln net.Listener) { errc <- srv.Serve(ln) }(lns[i])
		log.Info("shadow listening", "dialect", sc.Dialect, "addr", lns[i].Addr().String(),
			"upstream", sc.Upstream.Redacted(), "report", "http://"+lns[i].Addr().String()+"/shadow/")
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	log.Info("shadow stopping: finishing requests and queued comparisons")
	stop, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(stop)
	}
	for _, p := range proxies {
		_ = p.Close()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// storeIDs answers which legacy ids a person of this store holds, imported
// or derived (legacyids.Holder); a reserved id (a person deleted in the
// legacy system) and an id the dialect could not show are held by no one.
type storeIDs struct{ c *ent.Client }

func (s storeIDs) Imported(ctx context.Context, dialect, id string) (bool, error) {
	holder, held, err := legacyids.Holder(ctx, s.c, legacyid.Dialect(dialect), id)
	if apperr.Is(err, apperr.Invalid) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("legacy ids: %w", err)
	}
	return held && holder != 0, nil
}
