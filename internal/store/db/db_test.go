package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"userbridge/internal/store/db/dbtest"
)

// TestConcurrentWritesQueue shows that concurrent writers wait for each
// other instead of failing with "database is locked", and that readers run
// beside them.
func TestConcurrentWritesQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		s := dbtest.Open(t, url)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 80)
		for i := 0; i < 40; i++ {
			wg.Add(2)
			go func() {
				defer wg.Done()
				tx, err := s.Client.Tx(ctx)
				if err != nil {
					errs <- err
					return
				}
				email := fmt.Sprintf("u%d@example.com", i)
				_, err = tx.User.Create().SetEmail(email).SetUsername(fmt.Sprintf("user%d", i)).SetLogin(email).Save(ctx)
				if err != nil {
					_ = tx.Rollback()
					errs <- err
					return
				}
				errs <- tx.Commit()
			}()
			go func() {
				defer wg.Done()
				_, err := s.Client.User.Query().Count(ctx)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := s.Client.User.Query().CountX(ctx); n != 40 {
			t.Fatalf("%d users, want 40", n)
		}
	})
}

func TestOpenRefusesUnknownURL(t *testing.T) {
	for _, u := range []string{"mysql://x", "redis://localhost"} {
		if _, err := dbtestOpen(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}
