package auditlog

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/privacy"
	"github.com/jackc/pgx/v5"

	"userbridge/ent"
	"userbridge/ent/auditevent"
)

// NotifyChannel is the prefix of the PostgreSQL channel every replica
// LISTENs on. Channels are per database, not per schema: the name ends in
// the md5 of the current schema (channelSQL), so that services sharing a
// database in separate schemas (the tests do) never read each other's ids.
const NotifyChannel = "userbridge_audit_"

// channelSQL is the channel's name, in SQL.
const channelSQL = "'" + NotifyChannel + "' || md5(current_schema())"

// Note is what the fan-out carries of an event: its id, which a subscriber
// loads and authorizes itself, and its kind, which lets a replica react to
// a revocation or a ban without loading anything.
type Note struct {
	ID   int
	Kind string
}

// Fanout delivers every committed event to the subscribers of every
// replica.
//
// On PostgreSQL the event's own transaction runs pg_notify (InTx): the
// database delivers the notification at commit, in commit order, to every
// connection that LISTENs (Listen), and never for a transaction that
// rolled back. Nothing stands between the commit and the publication that
// a crash could lose, and no other service is needed: every replica
// already has the database, while Redis is optional. On SQLite, one
// process, the after-commit point (Committed) feeds the hub directly.
//
// A nil *Fanout does nothing, so the recording code calls it
// unconditionally.
type Fanout struct {
	postgres bool
	logger   *slog.Logger

	mu   sync.Mutex
	subs map[*Listener]struct{}

	listening     chan struct{} // closed once Listen first LISTENs
	listeningOnce sync.Once
}

// NewFanout returns the fan-out for a store of the given dialect
// ("postgres" or "sqlite3", entgo.io/ent/dialect).
func NewFanout(dialect string, logger *slog.Logger) *Fanout {
	if logger == nil {
		logger = slog.Default()
	}
	return &Fanout{postgres: dialect == "postgres", logger: logger, subs: map[*Listener]struct{}{},
		listening: make(chan struct{})}
}

// Postgres reports whether notes travel through LISTEN/NOTIFY.
func (f *Fanout) Postgres() bool { return f != nil && f.postgres }

// InTx runs inside the event's transaction, after its INSERT (an
// Options.InTx point): on PostgreSQL it queues the note, which the
// database delivers at commit and drops at a rollback. The payload ("id
// kind") is far below NOTIFY's 8000 bytes whatever the event holds.
func (f *Fanout) InTx(ctx context.Context, c *ent.Client, ev *ent.AuditEvent) error {
	if f == nil || !f.postgres {
		return nil
	}
	// The store's drivers run queries, not ExecContext: the NOTIFY rides
	// on a SELECT of the event's own row, in its transaction.
	payload := encodeNote(Note{ID: ev.ID, Kind: ev.Kind})
	_, err := c.AuditEvent.Query().Where(auditevent.ID(ev.ID)).
		Modify(func(s *sql.Selector) {
			s.Select().AppendSelectExprAs(sql.ExprFunc(func(b *sql.Builder) {
				b.WriteString("pg_notify(" + channelSQL + ", ").Arg(payload).WriteString(")::text")
			}), "n")
		}).Strings(privacy.DecisionContext(ctx, privacy.Allow))
	if err != nil {
		return fmt.Errorf("audit: notify: %w", err)
	}
	return nil
}

// Committed runs once the event's transaction committed (an
// Options.Committed point): on SQLite it delivers the note; on PostgreSQL
// the LISTEN connection does (Listen).
func (f *Fanout) Committed(ev *ent.AuditEvent) {
	if f == nil || f.postgres {
		return
	}
	f.publish(Note{ID: ev.ID, Kind: ev.Kind})
}

// Attach adds the fan-out's notification points to o.
func (f *Fanout) Attach(o *Options) {
	o.InTx = append(o.InTx, f.InTx)
	o.Committed = append(o.Committed, f.Committed)
}

// Listening is closed once Listen has LISTENed for the first time (at
// once on SQLite): what commits from then on reaches this replica.
func (f *Fanout) Listening() <-chan struct{} {
	if !f.postgres {
		f.listeningOnce.Do(func() { close(f.listening) })
	}
	return f.listening
}

func encodeNote(n Note) string { return strconv.Itoa(n.ID) + " " + n.Kind }

func decodeNote(s string) (Note, bool) {
	id, kind, _ := strings.Cut(s, " ")
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return Note{}, false
	}
	return Note{ID: n, Kind: kind}, true
}

// Listener receives notes on C until Close, or until it falls behind by
// more than its buffer: the fan-out then closes C and sets Overflowed, so
// that a slow subscriber ends instead of holding every other one up.
type Listener struct {
	C <-chan Note

	c          chan Note
	f          *Fanout
	overflowed bool // under f.mu
	closed     bool // under f.mu
}

// Subscribe returns a listener with room for buffer notes.
func (f *Fanout) Subscribe(buffer int) *Listener {
	c := make(chan Note, max(buffer, 1))
	l := &Listener{C: c, c: c, f: f}
	f.mu.Lock()
	f.subs[l] = struct{}{}
	f.mu.Unlock()
	return l
}

// Close stops the listener; C is closed.
func (l *Listener) Close() {
	l.f.mu.Lock()
	defer l.f.mu.Unlock()
	l.closeLocked()
}

func (l *Listener) closeLocked() {
	if l.closed {
		return
	}
	l.closed = true
	delete(l.f.subs, l)
	close(l.c)
}

// Overflowed reports whether the fan-out dropped the listener because it
// fell behind.
func (l *Listener) Overflowed() bool {
	l.f.mu.Lock()
	defer l.f.mu.Unlock()
	return l.overflowed
}

// Subscribers is the number of open listeners.
func (f *Fanout) Subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

func (f *Fanout) publish(n Note) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for l := range f.subs {
		select {
		case l.c <- n:
		default:
			l.overflowed = true
			l.closeLocked()
		}
	}
}

// Listen holds one connection to the PostgreSQL database at databaseURL,
// LISTENs on the channel and delivers each note to this replica's
// listeners, until ctx ends. A lost connection is opened again after a
// pause (doubling up to 30 s); what was committed meanwhile is not
// delivered (subscribers catch up with the auditEvents query), and
// resumed, when set, is told so that it can re-check what it guards.
// It returns when ctx ends; on SQLite it returns at once.
func (f *Fanout) Listen(ctx context.Context, databaseURL string, resumed func()) {
	if f == nil || !f.postgres {
		return
	}
	pause := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := f.listenOnce(ctx, databaseURL, func() {
			pause = 100 * time.Millisecond
			f.listeningOnce.Do(func() { close(f.listening) })
			if !first && resumed != nil {
				resumed()
			}
			first = false
		})
		if ctx.Err() != nil {
			return
		}
		f.logger.Warn("audit: LISTEN connection lost, reconnecting", "err", err, "pause", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

func (f *Fanout) listenOnce(ctx context.Context, databaseURL string, listening func()) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	var channel string
	if err := conn.QueryRow(ctx, "SELECT "+channelSQL).Scan(&channel); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		note, ok := decodeNote(n.Payload)
		if !ok {
			continue // not ours: someone else NOTIFYing on the channel
		}
		f.publish(note)
	}
}
