package db

import (
	"context"
	"fmt"

	"userbridge/apperr"
	"userbridge/ent"
)

// WithTx runs fn in a transaction of c: committed when fn returns nil,
// rolled back when it returns an error or panics. The shared rules use it
// instead of ent's GraphQL-only Transactioner, so they behave the same
// whichever transport calls them. Errors come back classified (apperr).
func WithTx(ctx context.Context, c *ent.Client, fn func(tx *ent.Tx) error) error {
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
