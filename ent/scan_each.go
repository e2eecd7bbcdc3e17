// Hand-written, not generated: entc leaves this file alone.

package ent

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
)

// ScanEach runs the selection s and appends to dest one T per row, made by
// row from the selected columns (in the order they were selected: row gets
// a scan function to pass its destinations to). It is Scan without
// reflection: for the whole list of 9,900 users in the Maarch dialect,
// sql.ScanSlice spent about a quarter of the request's CPU building each
// row's values by reflection (bench/README.md). Query interceptors run as
// they do for Scan.
func ScanEach[T any](ctx context.Context, s *UserSelect, dest *[]T, row func(scan func(dest ...any) error) (T, error)) error {
	ctx = setContextOp(ctx, s.ctx, ent.OpQuerySelect)
	if err := s.prepareQuery(ctx); err != nil {
		return err
	}
	return scanWithInterceptors[*UserQuery](ctx, s.UserQuery, rowScanner[T]{s, row}, s.inters, dest)
}

// rowScanner is the sqlScan step of ScanEach.
type rowScanner[T any] struct {
	s   *UserSelect
	row func(scan func(dest ...any) error) (T, error)
}

func (r rowScanner[T]) sqlScan(ctx context.Context, root *UserQuery, v any) error {
	query, args := root.sqlQuery(ctx).Query()
	rows := &sql.Rows{}
	if err := r.s.driver.Query(ctx, query, args, rows); err != nil {
		return err
	}
	defer rows.Close()
	dest := v.(*[]T)
	for rows.Next() {
		t, err := r.row(rows.Scan)
		if err != nil {
			return err
		}
		*dest = append(*dest, t)
	}
	return rows.Err()
}
