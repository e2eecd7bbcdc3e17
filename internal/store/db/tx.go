package db

import (
	"context"
	"fmt"

	"userbridge/ent"
	"userbridge/internal/apperr"
)

// WithTx runs fn in a transaction of c: committed when fn returns nil,
// rolled back when it returns an error or panics. The shared rules use it
// instead of ent's GraphQL-only Transactioner, so they behave the same
// whichever transport calls them. Errors come back classified (apperr).
//
// When ctx already carries a transaction (InTx), fn joins it instead: the
// caller that opened it commits or rolls back everything at once, so a
// request that calls several services is one transaction.
func WithTx(ctx context.Context, c *ent.Client, fn func(tx *ent.Tx) error) error {
	if tx := ent.TxFromContext(ctx); tx != nil {
		if err := fn(tx); err != nil {
			return apperr.Classify(err)
		}
		return nil
	}
	tx, err := c.Tx(ctx)
	if err != nil {
		return apperr.Wrap(err, "starting transaction")
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return apperr.Classify(err)
	}
	if err := tx.Commit(); err != nil {
		return apperr.Classify(fmt.Errorf("committing: %w", err))
	}
	return nil
}

// InTx runs fn with a context that carries one transaction of c: every
// service fn calls with that context joins it (WithTx, Client), so that a
// request touching users and files commits or fails as a whole.
func InTx(ctx context.Context, c *ent.Client, fn func(ctx context.Context) error) error {
	return WithTx(ctx, c, func(tx *ent.Tx) error {
		return fn(ent.NewTxContext(ctx, tx))
	})
}

// Client returns the client of the transaction ctx carries, else c: reads
// made while checking a request see (and, on PostgreSQL, lock) the same
// snapshot as its writes.
func Client(ctx context.Context, c *ent.Client) *ent.Client {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return tx.Client()
	}
	return c
}

// Finally arranges for committed to run once tx has committed, and for
// aborted to run when it rolls back or its commit fails; either may be nil.
// Files use it to remove blobs only once the rows that named them are gone
// for good, and to remove a blob written for a row that never came. A
// process killed in between leaves a blob with no row: the sweeper takes it
// after its grace period (files.Service.Sweep).
func Finally(tx *ent.Tx, committed, aborted func()) {
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			switch {
			case err == nil && committed != nil:
				committed()
			case err != nil && aborted != nil:
				aborted()
			}
			return err
		})
	})
	if aborted != nil {
		tx.OnRollback(func(next ent.Rollbacker) ent.Rollbacker {
			return ent.RollbackFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Rollback(ctx, tx)
				aborted()
				return err
			})
		})
	}
}
