// Command userbridge serves one user store through GraphQL and the four
// legacy REST dialects, and administers it from the command line.
//
//	userbridge [serve]        serve (the default)
//	userbridge migrate        create or update the schema and exit
//	userbridge user create    create a user
//	userbridge token create   mint a token for a user
//	userbridge app create     register an application
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"userbridge/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "userbridge:", err)
		os.Exit(1)
	}
}

// run dispatches a command line; commands print their result on stdout and
// everything else on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd == "user" || cmd == "token" || cmd == "app" {
		if len(args) == 0 || args[0] != "create" {
			return fmt.Errorf("usage: %s create [flags]", cmd)
		}
		cmd, args = cmd+" create", args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr)
	case "migrate":
		return migrate(ctx, args, stdout)
	case "user create":
		return userCreate(ctx, args, stdout)
	case "token create":
		return tokenCreate(ctx, args, stdout)
	case "app create":
		return appCreate(ctx, args, stdout)
	}
	return fmt.Errorf("unknown command %q (serve, migrate, user create, token create, app create)", cmd)
}

// serve loads the configuration, builds the app and serves until ctx ends,
// then drains in-flight requests (bounded) and closes the database.
func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	load := serverFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads of up to MAX_UPLOAD_BYTES
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	log := cfg.Logger
	errc := make(chan error, 2)
	go func() { errc <- srv.ListenAndServe() }()
	if ms := a.MetricsServer(); ms != nil {
		go func() { errc <- fmt.Errorf("metrics: %w", ms.ListenAndServe()) }()
		defer ms.Close()
	}
	log.Info("userbridge listening", "addr", cfg.Addr, "playground", cfg.PublicURL+"/graphiql")
	if n, err := a.Store.Client.User.Query().Count(ctx); err == nil && n == 0 {
		log.Info("empty database: create the first administrator with " +
			"`go run . user create --admin --email you@example.com --password '...'`")
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
