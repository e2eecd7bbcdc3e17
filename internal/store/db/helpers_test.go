package db_test

import (
	"context"

	"userbridge/internal/store/db"
)

func dbtestOpen(u string) (*db.Store, error) { return db.Open(context.Background(), u) }
