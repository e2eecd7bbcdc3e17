// Command baseline is the benchmark's yardstick: the requests the benchmark
// sends to userbridge, answered by hand with net/http and database/sql only,
// from the same database and storage folder, with the same JSON bytes. It is
// the practical limit of this stack (Go, the same SQL drivers, the same
// schema) and knows nothing else: no router, no ORM, no GraphQL engine (it
// recognizes the two GraphQL operations of the benchmark by operationName),
// no logging, no metrics but a statement counter, and no authorization
// beyond a token-hash lookup (revoked, expired and non-active accounts are
// refused; scopes, privileges and applications are not looked at, except
// that the user list and user creation need an administrator).
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"
)

// server holds the two pools (SQLite: one writer, a few readers, as the
// service; PostgreSQL: one pool) and the statement counter.
type server struct {
	r, w      *sql.DB
	pg        bool
	storage   string
	publicURL string
	stmts     atomic.Uint64
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	dbURL := flag.String("database", "", "sqlite://PATH or postgres://...")
	storage := flag.String("storage", "", "blob folder (file://DIR or DIR)")
	public := flag.String("public-url", "http://localhost:8080", "base of the links handed out")
	flag.Parse()
	s := &server{storage: strings.TrimPrefix(*storage, "file://"), publicURL: *public}
	if err := s.open(*dbURL); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"status":"ok"}`)) })
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "userbridge_sql_statements_total %d\n", s.stmts.Load())
	})
	mux.HandleFunc("POST /api/v1/users/oauth", s.eduPlatformViewer)
	mux.HandleFunc("POST /api/v1/users/user_files/upload", s.eduPlatformUpload)
	mux.HandleFunc("GET /users/@current", s.eduFocusCurrent)
	mux.HandleFunc("GET /v1/users/{id}", s.usersV1Get)
	mux.HandleFunc("POST /v1/users", s.usersV1Create)
	mux.HandleFunc("GET /rest/users", s.maarchList)
	mux.HandleFunc("POST /graphql", s.graphql)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

func (s *server) open(url string) error {
	var err error
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s.pg = true
		if s.r, err = sql.Open("pgx", url); err != nil {
			return err
		}
		s.r.SetMaxOpenConns(20)
		s.r.SetMaxIdleConns(10)
		s.w = s.r
	case strings.HasPrefix(url, "sqlite://"):
		path := strings.TrimPrefix(url, "sqlite://")
		common := "_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_synchronous=NORMAL&_stmt_cache_size=128"
		if s.w, err = sql.Open("sqlite3", "file:"+path+"?"+common+"&_txlock=immediate"); err != nil {
			return err
		}
		s.w.SetMaxOpenConns(1)
		if s.r, err = sql.Open("sqlite3", "file:"+path+"?"+common+"&_query_only=true"); err != nil {
			return err
		}
		s.r.SetMaxOpenConns(4)
		s.r.SetMaxIdleConns(4)
	default:
		return fmt.Errorf("database URL: want sqlite:// or postgres://")
	}
	return s.w.Ping()
}

// q rewrites ? placeholders for PostgreSQL and counts the statement.
func (s *server) q(query string) string {
	s.stmts.Add(1)
	if !s.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// viewer is the user a bearer token names.
type viewer struct {
	ID                   int
	PublicID, Email      string
	Username             string
	FirstName, LastName  string
	DisplayName          sql.NullString
	Role, Status         string
	Flags                int
	Verified             bool
	AvatarID             sql.NullInt64
	CreatedAt, UpdatedAt time.Time
}

const userColumns = `u.id, u.public_id, u.email, u.username, u.first_name, u.last_name, u.display_name,
	u.role, u.status, u.flags, u.verified, u.avatar_id, u.created_at, u.updated_at`

func scanUser(row interface{ Scan(...any) error }, u *viewer, extra ...any) error {
	return row.Scan(append([]any{&u.ID, &u.PublicID, &u.Email, &u.Username, &u.FirstName, &u.LastName,
		&u.DisplayName, &u.Role, &u.Status, &u.Flags, &u.Verified, &u.AvatarID, &u.CreatedAt, &u.UpdatedAt}, extra...)...)
}

// authenticate looks the bearer token's hash up, with its user, in one
// statement. It answers nil when the token is missing, unknown, revoked,
// expired, or its user is not active.
func (s *server) authenticate(r *http.Request) *viewer {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(tok))
	var v viewer
	var revoked, expires sql.NullTime
	err := scanUser(s.r.QueryRowContext(r.Context(), s.q(`SELECT `+userColumns+`, c.revoked_at, c.expires_at
		FROM credentials c JOIN users u ON u.id = c.user_id WHERE c.token_hash = ?`), hex.EncodeToString(sum[:])),
		&v, &revoked, &expires)
	if err != nil || revoked.Valid || (expires.Valid && !time.Now().Before(expires.Time)) || v.Status != "active" {
		return nil
	}
	return &v
}

// name is the users-v1 display name.
func (u *viewer) name() string {
	if u.DisplayName.Valid {
		return u.DisplayName.String
	}
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func unauthorized(w http.ResponseWriter) {
	writeRaw(w, http.StatusUnauthorized, []byte(`{"error":"unauthorized"}`))
}

// each calls scan for every row, then closes rows and returns the first
// error, rows.Err included.
func each(rows *sql.Rows, scan func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(); err != nil {
			return err
		}
	}
	return rows.Err()
}
