package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// Unreachable reports whether err says that the database could not be
// reached, rather than that it refused a statement: the difference between
// "retry later" (503) and "this credential does not exist" (401) or a bug
// (500).
//
// On PostgreSQL: a connection that cannot be opened (refused, timed out,
// the server starting or shutting down), one that broke mid-statement, a
// pool already closed, and the server's own connection-exception and
// shutdown codes. On SQLite, an embedded file: the database file that
// cannot be opened or read (SQLITE_CANTOPEN, SQLITE_IOERR), and a lock
// still held by another process when the busy timeout runs out
// (SQLITE_BUSY, SQLITE_LOCKED). A request cancelled or past its own
// deadline is none of these: the client left, the database did not.
func Unreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var connect *pgconn.ConnectError
	var pgErr *pgconn.PgError
	var lite sqlite3.Error
	var netErr net.Error
	switch {
	case errors.As(err, &connect):
		return true
	case errors.As(err, &pgErr):
		return unreachableState(pgErr.Code)
	case errors.As(err, &lite):
		switch lite.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrIoErr, sqlite3.ErrCantOpen:
			return true
		}
		return false
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr), pgconn.Timeout(err):
		return true
	}
	// database/sql keeps this one unexported.
	return strings.Contains(err.Error(), "sql: database is closed")
}

// unreachableState reports whether a PostgreSQL SQLSTATE says the server
// cannot serve this connection now: class 08 (connection exception),
// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now,
// 53300 too_many_connections.
func unreachableState(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03", "53300":
		return true
	}
	return strings.HasPrefix(code, "08")
}
