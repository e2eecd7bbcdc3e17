package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"userbridge/internal/store/db/dbtest"
)

// TestReplicaSettings covers the settings of several replicas: the
// migration switch, the drain delay, the sweeper and the Redis prefix.
func TestReplicaSettings(t *testing.T) {
	load := func(t *testing.T, args ...string) (check func(func(string, bool)), cfgErr error) {
		t.Helper()
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		resolve := serverFlags(fs)
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		cfg, err := resolve()
		return func(f func(string, bool)) {
			f("skip-migrate", cfg.SkipMigrate)
			f("drain-delay", cfg.DrainDelay == 2*time.Second)
			f("sweep-interval", cfg.SweepEvery == 30*time.Second)
			f("sweep-grace", cfg.SweepGrace == 5*time.Minute)
			f("redis-prefix", cfg.RedisPrefix == "blue:")
		}, err
	}
	t.Run("flags set each one", func(t *testing.T) {
		check, err := load(t, "--skip-migrate", "--drain-delay", "2s", "--sweep-interval", "30s",
			"--sweep-grace", "5m", "--redis-prefix", "blue:")
		if err != nil {
			t.Fatal(err)
		}
		check(func(name string, ok bool) {
			if !ok {
				t.Errorf("--%s not applied", name)
			}
		})
	})
	t.Run("environment sets each one", func(t *testing.T) {
		for k, v := range map[string]string{"SKIP_MIGRATE": "1", "DRAIN_DELAY": "2s", "SWEEP_INTERVAL": "30s",
			"SWEEP_GRACE": "5m", "REDIS_PREFIX": "blue:"} {
			t.Setenv(k, v)
		}
		check, err := load(t)
		if err != nil {
			t.Fatal(err)
		}
		check(func(name string, ok bool) {
			if !ok {
				t.Errorf("%s not applied", name)
			}
		})
	})
	t.Run("defaults: migrate, 5s drain, sweep every 10 minutes with the grace of files", func(t *testing.T) {
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		cfg, err := serverFlags(fs)()
		if err != nil || cfg.SkipMigrate || cfg.DrainDelay != 5*time.Second || cfg.SweepEvery != 0 || cfg.SweepGrace != 0 {
			t.Fatalf("%v: skip=%v drain=%v sweep=%v grace=%v", err, cfg.SkipMigrate, cfg.DrainDelay, cfg.SweepEvery, cfg.SweepGrace)
		}
	})
	t.Run("a zero sweep interval turns the sweeper off", func(t *testing.T) {
		t.Setenv("SWEEP_INTERVAL", "0")
		cfg, err := serverFlags(pflag.NewFlagSet("serve", pflag.ContinueOnError))()
		if err != nil || cfg.SweepEvery >= 0 {
			t.Fatalf("%v: SweepEvery=%v, want negative (off)", err, cfg.SweepEvery)
		}
	})
	t.Run("a switch takes an explicit value too", func(t *testing.T) {
		t.Setenv("SKIP_MIGRATE", "true")
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		resolve := serverFlags(fs)
		if err := fs.Parse([]string{"--skip-migrate=false"}); err != nil {
			t.Fatal(err)
		}
		if cfg, err := resolve(); err != nil || cfg.SkipMigrate {
			t.Fatalf("%v: SkipMigrate=%v, want the flag's false over the environment", err, cfg.SkipMigrate)
		}
	})
	t.Run("values that are not durations or booleans are refused", func(t *testing.T) {
		for _, args := range [][]string{{"--drain-delay", "soon"}, {"--sweep-grace", "1"}, {"--skip-migrate=maybe"}} {
			if _, err := load(t, args...); err == nil {
				t.Errorf("%v accepted", args)
			}
		}
	})
}

// TestSkipMigrate: with --skip-migrate a server never touches the schema,
// so on an empty database it refuses to start (and creates nothing), and
// after `migrate` it starts.
func TestSkipMigrate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		storage := "file://" + filepath.Join(t.TempDir(), "files")
		args := []string{"--database", dbURL, "--storage", storage, "--addr", freeAddr(t), "--drain-delay", "0"}
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := run(ctx, append([]string{"serve", "--skip-migrate"}, args...), &out, &out)
		if err == nil {
			t.Fatal("serve --skip-migrate started on an empty database")
		}
		if msg := err.Error(); !strings.Contains(msg, "settings") {
			t.Fatalf("serve --skip-migrate on an empty database: %v (want the missing table named)", err)
		}
		if store := dbtest.Open(t, dbURL); store == nil {
			t.Fatal("no store")
		}
		// dbtest.Open migrated it: now the same command starts.
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- run(ctx, append([]string{"serve", "--skip-migrate"}, args...), &out, &out) }()
		select {
		case err := <-done:
			t.Fatalf("serve --skip-migrate on a migrated database: %v\n%s", err, out.String())
		case <-time.After(700 * time.Millisecond):
		}
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "another replica is migrating") {
			t.Fatalf("skip-migrate took the migration lock:\n%s", out.String())
		}
	})
}
