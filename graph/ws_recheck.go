package graph

import (
	"context"
	"strings"
	"sync"
	"time"

	"userbridge/internal/apperr"
	"userbridge/internal/auditlog"
)

// A connection outlives the check of its credential at connection_init:
// it is checked again, and closed when the credential stops being good.
//
//   - every Recheck period (a minute by default), and at once when an
//     audit event that can change a credential or a user is committed on
//     any replica (accessEvent), and at the credential's expiry instant,
//     the credential is authenticated again as a request would be
//     (revoked, expired, deleted, its user banned, suspended or deleted:
//     closed with 4401);
//   - then, while the connection has subscriptions, they are authorized
//     again (its user no longer an administrator, or its key lacks the
//     scope: closed with 4403). Each event is also authorized before it
//     is sent, against the viewer of the last check.
//
// A check that cannot reach the database leaves the connection open: an
// outage is not a revocation, and the next check decides.

// watch re-checks the session until ctx ends.
func (s *wsSession) watch(ctx context.Context) {
	t := time.NewTicker(s.endpoint.opts.Recheck)
	defer t.Stop()
	var expiry <-chan time.Time
	if v := s.currentViewer(); v != nil && v.Credential != nil && v.Credential.ExpiresAt != nil {
		timer := time.NewTimer(time.Until(*v.Credential.ExpiresAt))
		defer timer.Stop()
		expiry = timer.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.poke:
		case <-expiry:
			expiry = nil
		}
		s.recheck(ctx)
	}
}

// recheck authenticates the connection's credential again and, while it
// has subscriptions, authorizes them again.
func (s *wsSession) recheck(ctx context.Context) {
	v, err := s.endpoint.opts.Auth.Authenticate(ctx, s.token)
	switch {
	case ctx.Err() != nil:
		return
	case apperr.Is(err, apperr.Unavailable):
		return
	case err != nil || v == nil:
		s.closeWith(closeUnauthorized, "Unauthorized: the credential is no longer valid")
		return
	}
	s.viewer.Store(v)
	if s.subs.Load() > 0 {
		if err := authorizeAuditSubscription(v); err != nil {
			s.closeWith(closeForbidden, "Forbidden: "+apperr.As(err).Message)
		}
	}
}

// requestRecheck asks for a check soon; a pending one covers it.
func (s *wsSession) requestRecheck() {
	select {
	case s.poke <- struct{}{}:
	default:
	}
}

// watchFanout re-checks every connection of this replica when an event
// that can change access is committed anywhere, and after the fan-out's
// connection was lost (what it missed may have been a revocation). It
// listens to those kinds only (accessEvent): the others do not wake it.
func (e *wsEndpoint) watchFanout(f *auditlog.Fanout) (stop func()) {
	done := make(chan struct{})
	go func() {
		l := f.SubscribeKinds(256, accessEvent)
		defer func() { l.Close() }()
		for {
			select {
			case <-done:
				return
			case _, ok := <-l.C:
				if !ok { // fell behind: check everyone, listen again
					l = f.SubscribeKinds(256, accessEvent)
				}
				e.recheckAll() // the listener keeps only accessEvent's kinds
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// recheckAll asks every connection of this replica for a check.
func (e *wsEndpoint) recheckAll() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for s := range e.sessions {
		s.requestRecheck()
	}
}

// accessEvent reports whether an event of kind may have taken access away
// from a connection: anything done to a credential, a user, an
// application or a consent, but not a sign-in, a read, or what only adds
// (a user, an application, a credential created) or changes what no
// check reads (user.changed: names, addresses, identifiers; the status,
// the password, the role and the privileges each have their kind). The
// cheap writes of BenchmarkAuditCheapWrites are user.changed: they wake
// no connection.
func accessEvent(kind string) bool {
	for _, p := range []string{"signin.", "login.", "import."} {
		if strings.HasPrefix(kind, p) {
			return false
		}
	}
	switch auditlog.Kind(kind) {
	case "", auditlog.UserChanged, auditlog.UserCreated, auditlog.CredentialMinted, auditlog.ApplicationCreated:
		return false
	}
	return true
}
