package auditlog

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"userbridge/ent"
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
// On PostgreSQL, once the event's transaction has committed (Committed),
// its note joins a queue that one connection per replica sends, in
// batches, as pg_notify (send): at most one NOTIFY per sendEvery, each
// carrying every note that waited; every replica LISTENs (Listen) and
// hands the notes to its listeners. Nothing rolled back is sent. The NOTIFY is
// not in the event's transaction, where it was first: there it was one
// more statement while the writer held its row locks, and PostgreSQL
// serializes the commits of every transaction that notified (one lock per
// database, held through the commit's WAL flush), which took group commit
// from concurrent writers (BenchmarkAuditCheapWrites, bench/README.md).
// What this gives up: a replica that dies between a commit and the send
// loses the live delivery of those events (they are in the trail, and
// each WebSocket's periodic re-check still catches a revocation), as a
// LISTEN connection lost for a while already did. No other service is
// needed: every replica already has the database, while Redis is
// optional. On SQLite, one process, the after-commit point feeds the hub
// directly.
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

	// out queues the notes Send sends (PostgreSQL): room for bursts; a
	// full queue drops (dropped counts, the log says so) rather than
	// hold a committed request up.
	out     chan Note
	dropped atomic.Int64
}

// sendQueue is how many notes wait for Send before Committed drops some.
const sendQueue = 8192

// maxPayload bounds one batch's payload, below NOTIFY's 8000 bytes.
const maxPayload = 7000

// sendEvery is the least time between two NOTIFYs of one replica: under a
// stream of writes their notes share one NOTIFY (one transaction of the
// sending connection, one wake-up of every listening replica) instead of
// one each, for at most this much more delivery latency; a note after a
// quiet spell goes at once.
const sendEvery = 5 * time.Millisecond

// NewFanout returns the fan-out for a store of the given dialect
// ("postgres" or "sqlite3", entgo.io/ent/dialect).
func NewFanout(dialect string, logger *slog.Logger) *Fanout {
	if logger == nil {
		logger = slog.Default()
	}
	f := &Fanout{postgres: dialect == "postgres", logger: logger, subs: map[*Listener]struct{}{},
		listening: make(chan struct{})}
	if f.postgres {
		f.out = make(chan Note, sendQueue)
	}
	return f
}

// Postgres reports whether notes travel through LISTEN/NOTIFY.
func (f *Fanout) Postgres() bool { return f != nil && f.postgres }

// Committed runs once the event's transaction committed (an
// Options.Committed point): on SQLite it delivers the note; on PostgreSQL
// it queues it for Send, without waiting.
func (f *Fanout) Committed(ev *ent.AuditEvent) {
	if f == nil {
		return
	}
	n := Note{ID: ev.ID, Kind: ev.Kind}
	if !f.postgres {
		f.publish(n)
		return
	}
	select {
	case f.out <- n:
	default:
		if d := f.dropped.Add(1); d&(d-1) == 0 { // the 1st, 2nd, 4th, 8th... drop
			f.logger.Warn("audit: notification queue full, live delivery dropped (the events are in the trail)",
				"dropped", d)
		}
	}
}

// Attach adds the fan-out's notification point to o.
func (f *Fanout) Attach(o *Options) {
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

// A payload is one line per note, "id kind".
func appendNote(b []byte, n Note) []byte {
	if len(b) > 0 {
		b = append(b, '\n')
	}
	b = strconv.AppendInt(b, int64(n.ID), 10)
	b = append(b, ' ')
	return append(b, n.Kind...)
}

// decodeNotes returns the notes of a payload; a line that is not one
// (someone else NOTIFYing on the channel) is skipped.
func decodeNotes(s string) []Note {
	var out []Note
	for line := range strings.Lines(s) {
		id, kind, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		n, err := strconv.Atoi(id)
		if err != nil || n <= 0 {
			continue
		}
		out = append(out, Note{ID: n, Kind: kind})
	}
	return out
}

// Listener receives notes on C until Close, or until it falls behind by
// more than its buffer: the fan-out then closes C and sets Overflowed, so
// that a slow subscriber ends instead of holding every other one up.
type Listener struct {
	C <-chan Note

	c          chan Note
	f          *Fanout
	keep       func(kind string) bool // nil: every note
	overflowed bool                   // under f.mu
	closed     bool                   // under f.mu
}

// Subscribe returns a listener with room for buffer notes.
func (f *Fanout) Subscribe(buffer int) *Listener { return f.SubscribeKinds(buffer, nil) }

// SubscribeKinds returns a listener with room for buffer notes that
// receives only the notes whose kind keep accepts (keep nil: every note).
// A note it does not keep neither wakes it nor counts towards its buffer:
// a listener that reacts to a few kinds costs the events of the others
// nothing (BenchmarkAuditCheapWrites: the WebSocket re-check and the
// cheap writes' user.changed). keep runs while the fan-out delivers to
// every listener: it must be quick and must not block.
func (f *Fanout) SubscribeKinds(buffer int, keep func(kind string) bool) *Listener {
	c := make(chan Note, max(buffer, 1))
	l := &Listener{C: c, c: c, f: f, keep: keep}
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
		if l.keep != nil && !l.keep(n.Kind) {
			continue
		}
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
// listeners, until ctx ends; and a second one that sends this replica's
// notes (send). A lost connection is opened again after a
// pause (doubling up to 30 s); what was committed meanwhile is not
// delivered (subscribers catch up with the auditEvents query), and
// resumed, when set, is told so that it can re-check what it guards.
// It returns when ctx ends; on SQLite it returns at once.
func (f *Fanout) Listen(ctx context.Context, databaseURL string, resumed func()) {
	if f == nil || !f.postgres {
		return
	}
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		f.send(ctx, databaseURL)
	}()
	defer func() { <-sent }()
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
		for _, note := range decodeNotes(n.Payload) {
			f.publish(note)
		}
	}
}

// send sends the queued notes as pg_notify on one connection to the
// database at databaseURL, as many as wait in each statement, until ctx
// ends. A lost connection is opened again after a pause (doubling up to
// 30 s); the notes that could not be sent meanwhile are dropped (logged):
// their events are in the trail.
func (f *Fanout) send(ctx context.Context, databaseURL string) {
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := f.sendOnce(ctx, databaseURL, func() { pause = 100 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		f.logger.Warn("audit: NOTIFY connection lost, reconnecting", "err", err, "pause", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

func (f *Fanout) sendOnce(ctx context.Context, databaseURL string, connected func()) error {
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
	// The NOTIFY's own transaction need not wait for its WAL flush: a
	// notification is not durable anyway (a restarted server has no
	// listeners), and the event it names committed durably before it was
	// queued. Waiting made every recorded write cost the server a second
	// flush (BenchmarkAuditCheapWrites).
	if _, err := conn.Exec(ctx, "SET synchronous_commit = off"); err != nil {
		return err
	}
	connected()
	var (
		payload []byte
		last    time.Time
		full    bool // the last payload was as large as one may be
		pause   = time.NewTimer(0)
	)
	<-pause.C
	for {
		var n Note
		select {
		case <-ctx.Done():
			return ctx.Err()
		case n = <-f.out:
		}
		// At most one NOTIFY per sendEvery: the first note after a quiet
		// spell goes at once, those that follow a send wait out the rest
		// of the interval and go together. After a full payload the next
		// goes at once: the interval never caps how many notes a replica
		// sends, only how many NOTIFYs carry them.
		if wait := sendEvery - time.Since(last); wait > 0 && !full {
			pause.Reset(wait)
			select {
			case <-ctx.Done():
				pause.Stop()
				return ctx.Err()
			case <-pause.C:
			}
		}
		payload = appendNote(payload[:0], n)
	batch:
		for len(payload) < maxPayload {
			select {
			case n = <-f.out:
				payload = appendNote(payload, n)
			default:
				break batch
			}
		}
		if _, err := conn.Exec(ctx, "SELECT pg_notify($1, $2)", channel, string(payload)); err != nil {
			f.logger.Warn("audit: NOTIFY failed, live delivery dropped (the events are in the trail)",
				"err", err, "notes", bytes.Count(payload, []byte("\n"))+1)
			return err
		}
		last, full = time.Now(), len(payload) >= maxPayload
	}
}
