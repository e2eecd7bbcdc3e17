package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/time/rate"

	"userbridge/ent"
	"userbridge/ent/setting"
	"userbridge/internal/apperr"
	"userbridge/internal/interchange"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db"
)

// run is one import's state.
type run struct {
	im      *Importer
	opt     Options
	move    bool // the store had no users: primary keys and settings are kept
	sum     Summary
	report  *reporter
	limiter *rate.Limiter
	apps    map[string]int // client id → primary key, of applications known
	prog    *progress
	fileMax int      // the largest integer id the file's user lines give
	root    *os.Root // the files folder, when given
	// appPlans are the file's applications: a dry run, which keeps
	// nothing, writes them again in each batch's transaction.
	appPlans []*appPlan
	stats    stats // PostgreSQL's statistics, refreshed as the tables grow
}

// moveKey marks a move under way, so that a move killed part-way and run
// again is still a move (primary keys kept) although users now exist.
const moveKey = "import.move_in_progress"

// close releases what start opened.
func (r *run) close() {
	if r.root != nil {
		r.root.Close()
	}
}

// start checks the options and the store.
func (im *Importer) start(ctx context.Context, opt Options) (*run, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatchSize
	}
	if opt.Rate < 0 {
		return nil, &UsageError{errors.New("--rate must not be negative")}
	}
	move, err := isMove(ctx, im.Client, opt.DryRun)
	if err != nil {
		return nil, err
	}
	r := &run{im: im, opt: opt, move: move, report: newReporter(opt.Report),
		apps: map[string]int{}, prog: newProgress(opt.Progress)}
	r.sum.DryRun = opt.DryRun
	if opt.FilesDir != "" {
		if r.root, err = os.OpenRoot(opt.FilesDir); err != nil {
			return nil, &UsageError{fmt.Errorf("--files-dir: %w", err)}
		}
	}
	if opt.Rate > 0 {
		burst := int(opt.Rate)
		if burst < opt.BatchSize {
			burst = opt.BatchSize
		}
		r.limiter = rate.NewLimiter(rate.Limit(opt.Rate), burst)
	}
	return r, nil
}

// users reads the source in batches: each batch is one transaction. A
// goroutine reads, decodes and checks the next batch (readBatches) while
// this one writes the current one, so that an import keeps two cores busy
// (bench/import); it shares nothing with the writer but the batches it
// hands over, and holds at most one finished batch while the writer works
// on another, so memory stays within two batches.
func (r *run) users(ctx context.Context, src Source) (Summary, error) {
	rctx, cancel := context.WithCancel(ctx)
	batches := make(chan readBatch)
	go r.readBatches(rctx, src, batches)
	defer func() {
		cancel()
		for range batches { // let the reader end before the run closes
		}
	}()
	for b := range batches {
		r.sum.Read += b.read
		for _, rj := range b.rejected {
			r.reject(rj.line, rj.user, rj.reason, rj.detail)
		}
		if b.err != nil && !errors.Is(b.err, io.EOF) {
			return r.sum, b.err
		}
		if len(b.plans) > 0 {
			if err := r.flush(ctx, b.plans); err != nil {
				return r.sum, err
			}
			if err := r.stats.wrote(ctx, r, len(b.plans)); err != nil {
				return r.sum, err
			}
		}
		if b.err != nil { // the end of the source
			if err := r.finish(ctx); err != nil {
				return r.sum, err
			}
			r.prog.done(r.sum)
			return r.sum, nil
		}
	}
	return r.sum, errStop
}

// readBatch is what readBatches hands over: the plans of one batch, in
// file order, and the records of its lines rejected while reading
// (reported before the batch's outcomes, as they come first); err is set
// on the last one (io.EOF at the end of the source).
type readBatch struct {
	read     int
	plans    []*plan
	rejected []readRejection
	err      error
}

type readRejection struct {
	line           int
	user           *interchange.User
	reason, detail string
}

// maxBatchBytes bounds the contents (avatars, files, signatures) one
// batch holds, whatever their sizes: a batch ends at BatchSize records or
// this many bytes, so that two batches of the largest records still fit
// the import's memory bound.
const maxBatchBytes = 16 << 20

// readBatches reads the source into batches until its end, an error or
// ctx's end, and closes out. It only reads r's options and limits.
func (r *run) readBatches(ctx context.Context, src Source, out chan<- readBatch) {
	defer close(out)
	b := readBatch{plans: make([]*plan, 0, r.opt.BatchSize)}
	bytes := 0
	send := func() bool {
		select {
		case out <- b:
		case <-ctx.Done():
			return false
		}
		b, bytes = readBatch{plans: make([]*plan, 0, r.opt.BatchSize)}, 0
		return true
	}
	add := func(p *plan) bool {
		b.plans = append(b.plans, p)
		if bytes += p.size(); len(b.plans) >= r.opt.BatchSize || bytes >= maxBatchBytes {
			return send()
		}
		return true
	}
	for {
		if ctx.Err() != nil {
			b.err = errStop
			send()
			return
		}
		rec, err := src.Next()
		var lineErr *interchange.LineError
		var srcRej *Rejected
		switch {
		case errors.Is(err, io.EOF):
			b.err = io.EOF
			send()
			return
		case errors.As(err, &lineErr):
			b.read++
			b.rejected = append(b.rejected, readRejection{lineErr.Line, nil, lineErr.Reason, lineErr.Detail})
			continue
		case errors.As(err, &srcRej):
			b.read++
			b.rejected = append(b.rejected, readRejection{srcRej.Line, srcRej.User, srcRej.Reason, srcRej.Detail})
			if p := r.reservation(srcRej); p != nil && !add(p) {
				return
			}
			continue
		case err != nil:
			b.err = err
			send()
			return
		}
		b.read++
		p, rej := r.plan(rec)
		if rej != nil {
			b.rejected = append(b.rejected, readRejection{rec.Line, rec.User, rej.reason, rej.detail})
			continue
		}
		if p == nil { // a record with nothing to write (a deleted person)
			continue
		}
		if !add(p) {
			return
		}
	}
}

// flush writes a batch in one transaction: the people it brings for the
// first time together (pick, createAll), those it brings again as they
// are in one look (unchanged), the others one at a time. A
// record refused by a check
// that runs before its first write is simply left out; a write that fails
// part-way (a concurrent writer took an e-mail, a constraint) aborts the
// batch, which is then written again one record per transaction so that
// only that record is rejected.
func (r *run) flush(ctx context.Context, batch []*plan) error {
	if r.limiter != nil {
		if err := r.limiter.WaitN(ctx, min(len(batch), r.limiter.Burst())); err != nil {
			return errStop
		}
	}
	var outcomes []outcome
	err := r.inTx(ctx, func(ctx context.Context) error {
		outcomes = make([]outcome, len(batch))
		if err := r.replayApps(ctx); err != nil {
			return err
		}
		c := db.Client(ctx, r.im.Client)
		fs, err := r.pick(ctx, c, batch)
		if err != nil {
			return err
		}
		if err := r.createAll(ctx, c, fs); err != nil {
			return err
		}
		done := make([]bool, len(batch))
		for _, f := range fs {
			outcomes[f.i], done[f.i] = outcome{kind: created, passwordKept: f.p.password != ""}, true
		}
		same, err := r.unchanged(ctx, c, batch, done)
		if err != nil {
			return err
		}
		for i := range batch {
			if same[i] {
				outcomes[i], done[i] = outcome{kind: unchanged}, true
			}
		}
		for i, p := range batch {
			if done[i] {
				continue
			}
			o, err := r.write(ctx, p)
			if rej := (*rejection)(nil); errors.As(err, &rej) {
				o, err = outcome{kind: rejected, rej: rej}, nil
			}
			if err != nil {
				return err
			}
			outcomes[i] = o
		}
		return nil
	})
	if err == nil {
		for i, o := range outcomes {
			r.count(batch[i], o)
		}
		r.prog.add(len(batch), r.sum)
		return nil
	}
	if apperr.As(err).Kind == apperr.Unavailable || ctx.Err() != nil {
		return err
	}
	for _, p := range batch {
		var o outcome
		err := r.inTx(ctx, func(ctx context.Context) error {
			if err := r.replayApps(ctx); err != nil {
				return err
			}
			var err error
			o, err = r.write(ctx, p)
			return err
		})
		switch {
		case err == nil:
			r.count(p, o)
		case apperr.As(err).Kind == apperr.Unavailable || ctx.Err() != nil:
			return err
		default:
			if rej := (*rejection)(nil); errors.As(err, &rej) {
				r.reject(p.line, p.rec, rej.reason, rej.detail)
			} else {
				r.reject(p.line, p.rec, reasonOf(err), detailOf(err))
			}
		}
	}
	r.prog.add(len(batch), r.sum)
	return nil
}

// replayApps writes the file's applications again inside a dry run's
// transaction: the first pass's were rolled back.
func (r *run) replayApps(ctx context.Context) error {
	if !r.opt.DryRun {
		return nil
	}
	for _, p := range r.appPlans {
		if _, err := r.writeApp(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// inTx runs fn in a transaction ctx carries, committing unless this is a
// dry run (then it rolls back, and the blobs written go with it).
func (r *run) inTx(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := r.im.Client.Tx(ctx)
	if err != nil {
		return apperr.Wrap(err, "starting transaction")
	}
	txCtx := ent.NewTxContext(ctx, tx)
	if err := fn(txCtx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if r.opt.DryRun {
		return tx.Rollback()
	}
	return apperr.Classify(tx.Commit())
}

// finish ends a move. The id sequence needs nothing more: raiseSequence
// put it above the file's integer ids and primary keys before the first
// write, and every legacy id stored since moved it as it was stored.
func (r *run) finish(ctx context.Context) error {
	if r.opt.DryRun {
		return nil
	}
	_, err := r.im.Client.Setting.Delete().Where(setting.Key(moveKey)).Exec(ctx)
	return apperr.Classify(err)
}

// maxIntegerID is the largest integer legacy id (a PostgreSQL integer).
const maxIntegerID = 1<<31 - 1

// noteIntegerIDs remembers the largest integer id a user line of the file
// gives (its integer legacy ids, its primary key in a move).
func (r *run) noteIntegerIDs(u *interchange.User) {
	note := func(v int64) {
		if v > 0 && v <= maxIntegerID && int(v) > r.fileMax {
			r.fileMax = int(v)
		}
	}
	if ids := u.LegacyIDs; ids != nil {
		if ids.Eduplatform != nil {
			note(*ids.Eduplatform)
		}
		if ids.Maarch != nil {
			note(*ids.Maarch)
		}
	}
	if r.move && u.ID != nil {
		note(int64(*u.ID))
	}
}

// raiseSequence puts the user id sequence above every integer id the file
// gives, before the first user is created: a person created early in the
// run would otherwise receive a primary key, and so derived ids, that a
// later line of the file claims.
func (r *run) raiseSequence(ctx context.Context) error {
	if r.opt.DryRun || r.fileMax == 0 {
		return nil
	}
	return legacyids.EnsureSequenceAbove(ctx, r.im.Client, r.fileMax)
}

// isMove tells whether this run moves a store in: the store has no user
// yet, or a move was under way when it was stopped. A real move marks
// itself until it finishes.
func isMove(ctx context.Context, c *ent.Client, dryRun bool) (bool, error) {
	users, err := hasUsers(ctx, c)
	if err != nil {
		return false, apperr.Wrap(err, "counting users")
	}
	if users {
		marked, err := c.Setting.Query().Where(setting.Key(moveKey)).Exist(ctx)
		return marked, apperr.Classify(err)
	}
	if dryRun {
		return true, nil
	}
	err = c.Setting.Create().SetKey(moveKey).SetValue("1").OnConflictColumns(setting.FieldKey).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, apperr.Wrap(err, "marking the move")
	}
	return true, nil
}

// count adds one written record's outcome to the summary and the report.
func (r *run) count(p *plan, o outcome) {
	switch o.kind {
	case rejected:
		r.reject(p.line, p.rec, o.rej.reason, o.rej.detail)
		return
	case reserved:
		if p.silent {
			return // already reported as rejected
		}
		r.sum.Skipped++
		r.report.line(reportLine{Line: p.line, Email: p.email, LegacyIDs: p.rec.LegacyIDs, Outcome: "skipped",
			Reason: "deleted_in_source", Detail: "deleted in its source: not imported, its legacy ids are reserved"})
		return
	case created:
		r.sum.Created++
	case merged:
		r.sum.Merged++
	default:
		r.sum.Unchanged++
	}
	if p.weak && o.kind != unchanged && o.passwordKept {
		r.sum.WeakHashes++
	}
	r.sum.Skipped += len(p.skipped)
	for _, s := range p.skipped {
		r.report.line(reportLine{Line: p.line, Email: p.email, Outcome: "skipped", Reason: s.reason, Detail: s.detail})
	}
	for _, n := range p.notes {
		r.report.line(reportLine{Line: p.line, Email: p.email, Outcome: "note", Reason: n.reason, Detail: n.detail})
	}
	if o.kind == merged {
		r.report.line(reportLine{Line: p.line, Email: p.email, Outcome: "merged", Fields: o.changed})
	}
	for _, c := range o.conflicts {
		r.report.line(reportLine{Line: p.line, Email: p.email, Outcome: "conflict", Reason: c.reason, Field: c.field, Detail: c.detail, Kept: c.kept})
	}
}

// reject counts and reports one rejected record.
func (r *run) reject(line int, u *interchange.User, reason, detail string) {
	r.sum.Rejected++
	l := reportLine{Line: line, Outcome: "rejected", Reason: reason, Detail: detail}
	if u != nil {
		l.Email = u.Email
		l.LegacyIDs = u.LegacyIDs
	}
	r.report.line(l)
}

// reasonOf and detailOf describe a write's error for the report; an
// internal error's cause is never shown.
func reasonOf(err error) string {
	if e := apperr.As(err); e.Reason != "" {
		return e.Reason
	}
	return "internal"
}

func detailOf(err error) string {
	e := apperr.As(err)
	if e.Kind == apperr.Internal {
		return "the record could not be written"
	}
	return e.Message
}

// reservation is the plan that keeps a rejected record's legacy ids
// reserved, when its source asks.
func (r *run) reservation(rej *Rejected) *plan {
	if !rej.Reserve || rej.User == nil {
		return nil
	}
	p := &plan{line: rej.Line, rec: rej.User, reserve: true, silent: true}
	if r.planLegacy(p) != nil {
		return nil
	}
	return p
}

// rejection is a record refused before anything of it was written.
type rejection struct{ reason, detail string }

func (e *rejection) Error() string { return e.reason + ": " + e.detail }

// now is the importer's clock.
func (r *run) now() time.Time {
	if r.im.Now != nil {
		return r.im.Now().UTC()
	}
	return time.Now().UTC()
}
