package db

import "context"

// ExecRaw runs a statement on the store's driver, below ent and its hooks:
// tests use it to write rows as an older version of the service did.
func (s *Store) ExecRaw(ctx context.Context, query string, args []any) error {
	return s.driver.Exec(ctx, query, args, nil)
}

var SetPostgresPool = setPostgresPool
