package db_test

import (
	"context"
	"sync"
	"testing"

	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// TestConcurrentMigrations starts several stores migrating one empty
// database at once, as replicas starting together do: every one succeeds
// (the later ones wait for the first and find the schema up to date), and
// the schema works afterwards.
func TestConcurrentMigrations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		const replicas = 6
		ctx := context.Background()
		stores := make([]*db.Store, replicas)
		for i := range stores {
			s, err := db.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			stores[i] = s
		}
		start := make(chan struct{})
		errs := make([]error, replicas)
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Go(func() {
				<-start
				errs[i] = s.Migrate(ctx)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
			}
		}
		c := stores[replicas-1].Client
		if _, err := c.User.Create().SetEmail("a@example.com").SetUsername("a").SetLogin("a@example.com").Save(ctx); err != nil {
			t.Fatalf("writing after the migrations: %v", err)
		}
		if n := stores[0].Client.User.Query().CountX(ctx); n != 1 {
			t.Fatalf("%d users, want 1", n)
		}
	})
}
