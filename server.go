// Command userbridge serves one user store through GraphQL and the four
// legacy REST dialects, and administers it from the command line
// (`userbridge --help` lists the commands; docs/cli.md shows every
// command's help).
package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"userbridge/internal/app"
	"userbridge/internal/store/db"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func serveCommand(stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve GraphQL, the playground and the REST dialects (the default)",
		Args:  noCommand,
	}
	serveFlags(cmd, stderr)
	return cmd
}

// serveFlags gives cmd the server settings and makes it serve with them.
func serveFlags(cmd *cobra.Command, stderr io.Writer) {
	load, file := settingSources(cmd.Flags(), nil, stderr)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := load()
		if err != nil {
			return err
		}
		_, inFile := file().values["DRAIN_DELAY"]
		given := cmd.Flags().Changed("drain-delay") || os.Getenv("DRAIN_DELAY") != "" || inFile
		cfg.DrainDelay = drainDelay(cfg.DrainDelay, given, isatty.IsTerminal(os.Stdin.Fd()))
		return serve(cmd.Context(), cfg, file().path)
	}
}

// serve binds the address first (a port in use stops here, before any
// migration), builds the app and serves until ctx ends, then drains
// in-flight requests (ShutdownGrace, then cancelled: shutdown.go) and
// closes the database. The banner is logged
// only once the address is bound and the app built.
func serve(ctx context.Context, cfg app.Config, configPath string) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if cfg.PublicURL == "" {
		cfg.PublicURL = localURL(ln.Addr())
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	rq := newRequests()
	defer rq.cancel()
	srv := &http.Server{
		Handler:           rq.track(a.Handler),
		BaseContext:       rq.base,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads of up to MAX_UPLOAD_BYTES
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	log := cfg.Logger
	errc := make(chan error, 2)
	if ms := a.MetricsServer(); ms != nil {
		mln, err := net.Listen("tcp", ms.Addr)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		go func() { errc <- fmt.Errorf("metrics: %w", ms.Serve(mln)) }()
		defer ms.Close()
	}
	go func() { errc <- srv.Serve(ln) }()
	metrics := "on the main address, administrators' credentials only"
	if cfg.MetricsAddr != "" {
		metrics = "http://" + cfg.MetricsAddr + "/metrics"
	}
	log.Info("userbridge listening", "addr", ln.Addr().String(),
		"database", describeDatabase(cfg.DatabaseURL), "storage", describeStorage(cfg.StorageURL),
		"public_url", cfg.PublicURL, "playground", cfg.PublicURL+"/graphiql", "metrics", metrics,
		"config", cmp.Or(configPath, "none"))
	if n, err := a.Store.Client.User.Query().Count(ctx); err == nil && n == 0 {
		log.Info("empty database: create the first administrator with `" + firstAdminHint(cfg.DatabaseURL) + "`")
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	drain(a, cfg.DrainDelay, log)
	log.Info("shutting down: draining requests", "grace", cfg.ShutdownGrace.String())
	return shutdown(srv, rq, cfg.ShutdownGrace, log)
}

// drainDelay is the delay serve keeps /readyz failing before it closes its
// listener. Someone pressing Ctrl-C in a terminal wants the server gone,
// and no load balancer is polling it: there the delay is 0 unless it was
// given (flag or DRAIN_DELAY). Elsewhere (a container, a service manager)
// the configured delay, 5 s by default, applies.
func drainDelay(configured time.Duration, given, terminal bool) time.Duration {
	if terminal && !given {
		return 0
	}
	return configured
}

// firstAdminHint is the command creating the first administrator, as the
// person running this binary would type it, naming the SQLite file when it
// is not the default (a server URL may hold a password: it is not
// repeated).
func firstAdminHint(databaseURL string) string {
	hint := commandName() + " user create --admin --email you@example.com --password-stdin"
	if databaseURL != db.DefaultURL && strings.HasPrefix(databaseURL, "sqlite://") {
		hint += " --database '" + databaseURL + "'"
	}
	return hint
}

// drain fails /readyz and keeps serving for delay, so that a load balancer
// polling it stops sending new requests before the listener closes; a
// second SIGINT or SIGTERM cuts the wait short.
func drain(a *app.App, delay time.Duration, log *slog.Logger) {
	a.Drain()
	if delay <= 0 {
		return
	}
	log.Info("stopping: /readyz fails, serving on while load balancers notice", "drain_delay", delay.String())
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-again:
	}
}

// localURL is the public URL of a service bound to addr when PUBLIC_URL is
// unset: this machine, on the bound port, so that the playground line and
// download links follow --addr. Any address (":8080", "0.0.0.0") is named
// localhost; a bound host is kept.
func localURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://localhost"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
