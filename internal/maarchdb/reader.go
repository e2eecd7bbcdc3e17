// Package maarchdb reads the people of a Maarch Courrier database directly
// (`userbridge import maarch`): its users, whether one of their groups holds
// the admin_users service, and their signature images on the TEMPLATES
// docserver. It only reads: everything comes from one read-only transaction
// at REPEATABLE READ, so the import sees the database as it was at Open even
// while Maarch keeps serving, and rows are streamed in pages through a
// server-side cursor so memory does not grow with the table.
//
// The reader reports what Maarch holds in Maarch's own words (status OK,
// SPD, DEL; mode standard, rest, root_visible, root_invisible): mapping them
// to this store's model is the importer's job.
package maarchdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
)

// Person is one Maarch user row that may be imported. Status and Mode are
// Maarch's raw values; a DEL person is still returned so that the importer
// can reserve its ids.
type Person struct {
	ID                 int64 // users.id, the id Maarch's REST clients know
	Login              string
	PasswordHash       string // PHP password_hash output (bcrypt $2y$), "" when unset
	FirstName          string
	LastName           string
	Mail               string // trimmed of surrounding spaces
	Status             string // OK, SPD or DEL
	Mode               string // standard, rest, root_visible or root_invisible
	ManageUsers        bool   // one of the person's groups holds admin_users
	PasswordModifiedAt *time.Time
	Signatures         []Signature
	SkippedSignatures  []Skipped
}

// Signature is one signature image found on the docserver.
type Signature struct {
	Path      string     // relative to FilesDir, always inside it
	Format    string     // the file name's extension, lower case ("png")
	CreatedAt *time.Time // Maarch records no creation time: always nil today
}

// Skipped is a user_signatures row whose file could not be used; the
// person is still returned without it.
type Skipped struct {
	ID     int64 // user_signatures.id
	Reason string
	Detail string
}

// Rejection is a user row that cannot become a person of this store, where
// the e-mail address is the key of a person.
type Rejection struct {
	MaarchID int64
	Login    string
	Email    string
	Reason   string
	Detail   string
}

// Rejection reasons.
const (
	ReasonEmptyMail  = "empty_mail"
	ReasonSharedMail = "shared_mail"
)

// Skipped signature reasons.
const (
	SkipOutside  = "outside_docservers" // the path leaves the docservers directory
	SkipMissing  = "missing_file"       // no file at that path (or no file name)
	SkipNotAFile = "not_a_file"         // a directory or device, not a regular file
	SkipUnread   = "unreadable"         // the file exists but cannot be examined
)

// pageSize is how many users one FETCH brings, with their signatures.
const pageSize = 500

// Reader streams a Maarch database's users. It is not safe for concurrent
// use.
type Reader struct {
	ctx      context.Context
	conn     *pgx.Conn
	tx       pgx.Tx
	dir      string
	root     *os.Root
	shared   map[mailKey]int
	page     []*row
	declared bool
	done     bool
}

// Open connects to the Maarch database at dsn and fixes the snapshot every
// later read sees. docservers is the directory of Maarch's TEMPLATES
// docserver (its path_template, where signature images live); when empty,
// the path_template the database records is used. ctx bounds the whole
// reading, Next included.
func Open(ctx context.Context, dsn, docservers string) (*Reader, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connecting to the Maarch database: %w", err)
	}
	r := &Reader{ctx: ctx, conn: conn}
	if err := r.start(docservers); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Reader) start(docservers string) error {
	tx, err := r.conn.BeginTx(r.ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("starting the read-only transaction: %w", err)
	}
	r.tx = tx
	// The snapshot of a REPEATABLE READ transaction is taken by its first
	// statement, not by BEGIN: the mail count below is that statement, so
	// nothing committed after Open returns is ever seen.
	if r.shared, err = countMails(r.ctx, tx); err != nil {
		return err
	}
	if docservers == "" {
		if docservers, err = templatesPath(r.ctx, tx); err != nil {
			return err
		}
	}
	if r.root, err = os.OpenRoot(docservers); err != nil {
		return fmt.Errorf("opening the docservers directory: %w", err)
	}
	r.dir = docservers
	return nil
}

// templatesPath is where Maarch itself looks for signature images: the
// path_template of its TEMPLATES docserver.
func templatesPath(ctx context.Context, tx pgx.Tx) (string, error) {
	var p string
	err := tx.QueryRow(ctx, `SELECT path_template FROM docservers
		WHERE docserver_type_id = 'TEMPLATES' ORDER BY is_readonly = 'N' DESC, id LIMIT 1`).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errors.New("no docservers directory given and the Maarch database has no TEMPLATES docserver")
	}
	if err != nil {
		return "", fmt.Errorf("reading the TEMPLATES docserver: %w", err)
	}
	return p, nil
}

// FilesDir is the directory Signature.Path is relative to.
func (r *Reader) FilesDir() string { return r.dir }

// OpenSignature opens a signature's file inside FilesDir with the same
// confinement Next checked it with, so a file swapped for a link since then
// still cannot lead outside the directory.
func (r *Reader) OpenSignature(s Signature) (*os.File, error) {
	return r.root.Open(filepath.FromSlash(s.Path))
}

// Close ends the transaction (it wrote nothing) and the connection.
func (r *Reader) Close() error {
	var errs []error
	if r.root != nil {
		errs = append(errs, r.root.Close())
	}
	if r.tx != nil {
		errs = append(errs, r.tx.Rollback(context.WithoutCancel(r.ctx)))
		if errors.Is(errs[len(errs)-1], pgx.ErrTxClosed) {
			errs = errs[:len(errs)-1]
		}
	}
	errs = append(errs, r.conn.Close(context.WithoutCancel(r.ctx)))
	return errors.Join(errs...)
}
