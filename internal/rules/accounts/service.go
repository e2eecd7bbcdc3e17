// Package accounts holds the rules for users and their credentials: create,
// update, delete, ban, login and tokens. GraphQL resolvers, every REST dialect
// and the CLI call these functions; they check policy, validate, write in one
// transaction, and return apperr kinds.
package accounts

import (
	"context"
	"strings"
	"time"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/auditlog"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
	"userbridge/internal/store/db"
)

// BlobRemover deletes stored bytes after the rows that named them are gone.
type BlobRemover interface {
	RemoveBlobs(ctx context.Context, keys []string)
}

// Service is the accounts rule set over one store.
type Service struct {
	Client *ent.Client
	// Dialect is the store's ("sqlite3" or "postgres"): on PostgreSQL a
	// user being updated is read FOR UPDATE.
	Dialect string
	Blobs   BlobRemover // optional: blobs of deleted users' files
	// LoginLimiter throttles login attempts per account and per client
	// address; nil admits everything.
	LoginLimiter ratelimit.Limiter
	// LimitKey keys the hash naming an account's bucket in LoginLimiter
	// (limitkey.go), so that bucket names reveal no address; the service's
	// wiring derives it from the service secret (files.Service.DeriveKey),
	// the same on every replica. Nil (the command line, which throttles
	// nothing) hashes with an empty key.
	LimitKey []byte
	// SignInGate decides which failed sign-ins reach the audit trail (at
	// most one per account and address per login-limit period); nil
	// stores every one.
	SignInGate *auditlog.SignInGate
	// MaxAPIKeyTTL bounds the lifetime of the keys CreateAPIKey makes;
	// 0: DefaultMaxAPIKeyTTL.
	MaxAPIKeyTTL time.Duration
	Now          func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Get returns the user with id if the viewer may see it.
// Returns not found when it does not exist or is invisible to the viewer.
func (s *Service) Get(ctx context.Context, v *auth.Viewer, id int) (*ent.User, error) {
	if err := policy.Authenticated(v); err != nil {
		return nil, err
	}
	u, err := s.Client.User.Get(ctx, id)
	if err != nil {
		return nil, apperr.Classify(err)
	}
	if err := policy.ReadUser(v, u); err != nil {
		return nil, err
	}
	return u, nil
}

// GetByPublicID is Get by the 8-character public id ("" names nobody: a
// transport passes it for a malformed id). The viewer's own user, loaded
// with its credential in this request, is not read again (users-v1 GET of
// oneself: one statement in three; bench/README.md). shows names the
// guarded fields an answer of fixed shape will show: a viewer lacking scope
// identity or the scope of one of them (policy.ReadFields) is refused
// before the lookup, so that it gets one answer for every id, existing or
// not, visible or not.
func (s *Service) GetByPublicID(ctx context.Context, v *auth.Viewer, publicID string, shows ...string) (*ent.User, error) {
	if err := policy.Scope(v, auth.ScopeIdentity); err != nil {
		return nil, err
	}
	if err := policy.ReadFields(v, shows...); err != nil {
		return nil, err
	}
	if publicID == "" {
		return nil, apperr.ErrNotFound
	}
	u := v.User
	if u == nil || u.PublicID != publicID {
		var err error
		if u, err = s.Client.User.Query().Where(user.PublicID(publicID)).Only(ctx); err != nil {
			return nil, apperr.Classify(err)
		}
	}
	if err := policy.ReadUser(v, u); err != nil {
		return nil, err
	}
	return u, nil
}

// DisplayName is the users-v1 "name": the explicit one when set, else the
// first and last names joined.
func DisplayName(u *ent.User) string {
	if u.DisplayName != nil {
		return *u.DisplayName
	}
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// Atomically runs fn with a context carrying one transaction: every call of
// this service or of package files made with that context joins it, so a
// request that changes a user and its avatar commits both or neither
// (db.InTx).
func (s *Service) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.InTx(ctx, s.Client, fn)
}

// withTx runs fn in a transaction (db.WithTx): the one ctx carries, if any.
func withTx(ctx context.Context, c *ent.Client, fn func(tx *ent.Tx) error) error {
	return db.WithTx(ctx, c, fn)
}
