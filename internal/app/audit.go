package app

import (
	"context"

	"userbridge/internal/auditlog"
)

// openAudit makes the store record the audit trail (auditlog.Install:
// the hooks of users, applications and credentials, one log line per
// committed event) and starts the retention sweep beside the files'
// (same period; AUDIT_RETENTION, none when it is negative). a.Audit is
// where the subscriptions add their notification points before the
// first request.
func (a *App) openAudit(ctx context.Context) {
	cfg := a.Config
	a.Audit = &auditlog.Options{Logger: cfg.Logger, Off: cfg.AuditOff}
	auditlog.Install(a.Store.Client, a.Audit)
	retention := cfg.AuditRetention
	if retention == 0 {
		retention = auditlog.DefaultRetention
	}
	if cfg.SweepEvery < 0 || retention < 0 {
		return
	}
	every := cfg.SweepEvery
	if every == 0 {
		every = DefaultSweepEvery
	}
	sweepCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		auditlog.RunSweeper(sweepCtx, a.Store.Client, retention, every, cfg.Now, cfg.Logger)
	}()
	a.stopAuditSweeper = func() { cancel(); <-done }
}

// closeAudit stops the retention sweep.
func (a *App) closeAudit() {
	if a.stopAuditSweeper != nil {
		a.stopAuditSweeper()
		a.stopAuditSweeper = nil
	}
}
