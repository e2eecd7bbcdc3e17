package accounts

import (
	"context"
	"strconv"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/ent/user"
	"userbridge/internal/auditlog"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/store/db"
)

// The reasons of signin.failed: what the answer never tells (it is
// invalid_credentials for all but the limit), for whoever reads the trail.
const (
	SignInUnknownUser   = "unknown_user"
	SignInWrongPassword = "wrong_password"
	SignInNoPassword    = "no_password"
	SignInBanned        = "banned"
	SignInSuspended     = "suspended"
	SignInRateLimited   = "rate_limited"
)

// signInKey names the pair a failed sign-in is gated by (auditlog.SignInGate):
// the account's limiter bucket (an HMAC, no address) and the client's
// LimitKey. An e-mail that could name no account has an empty bucket.
func signInKey(bucket, clientAddr string) string {
	return bucket + "|" + reqinfo.LimitKey(clientAddr)
}

// signInFailure is the reason a sign-in of u (nil: no such account) failed,
// match telling whether the password matched.
func signInFailure(u *ent.User, match bool) string {
	switch {
	case u == nil:
		return SignInUnknownUser
	case u.Status == user.StatusBanned:
		return SignInBanned
	case u.Status == user.StatusSuspended:
		return SignInSuspended
	case u.PasswordHash == "":
		return SignInNoPassword
	case !match:
		return SignInWrongPassword
	}
	return SignInWrongPassword
}

// signInFailed records a failed sign-in, through the gate: at most one
// stored per account and address per login-limit period. The event is its
// own write (nothing else is); it never names what was typed, only the
// account when one exists. A failure to write it is logged by nobody and
// changes no answer: the refusal stands either way.
func (s *Service) signInFailed(ctx context.Context, key string, u *ent.User, reason string) {
	s.recordFailure(ctx, key, u, reason, &auditlog.Actor{Kind: auditevent.ActorKindAnonymous}, "")
}

// The checks of a current password that record signin.failed (its
// "check" detail): a password change's current password, and the one that
// lets a new API key outlive its parent credential.
const (
	CheckCurrentPassword = "current_password"
	CheckAPIKeyPassword  = "api_key_password"
)

// currentPasswordFailed records a refused check of u's current password
// (check: CheckCurrentPassword, CheckAPIKeyPassword) as signin.failed:
// it is a guess at the password like a sign-in, by whoever holds the
// credential presenting it, whom the event names (the context's viewer),
// with the reason a sign-in would have (wrong_password, rate_limited...).
// It goes through the sign-ins' gate under the same pair (the account's
// bucket and the client's address), so that one account and address
// store at most one failure per login period, sign-ins and checks
// together. A missing current password is no guess and records nothing.
//
// Inside a transaction it is written once that transaction has ended:
// the event is its own write (the refusal rolls the transaction back), and
// on SQLite the one writer is the transaction's until then.
func (s *Service) currentPasswordFailed(ctx context.Context, u *ent.User, reason, check string) {
	key := signInKey(s.storedAccountKey(u), reqinfo.ClientAddr(ctx))
	record := func() { s.recordFailure(ctx, key, u, reason, nil, check) }
	if tx := ent.TxFromContext(ctx); tx != nil {
		db.Finally(tx, record, record)
		return
	}
	record()
}

// recordFailure writes signin.failed for u (nil: no such account) through
// the gate under key, by actor (nil: the context's viewer), with the check
// that refused it when it is not a sign-in.
func (s *Service) recordFailure(ctx context.Context, key string, u *ent.User, reason string, actor *auditlog.Actor, check string) {
	stored, suppressed := s.SignInGate.Admit(ctx, key)
	if !stored {
		return
	}
	e := auditlog.Event{Kind: auditlog.SignInFailed, Reason: reason, Actor: actor}
	if u != nil {
		e.Target = auditlog.UserTarget(u)
	}
	details := map[string]string{}
	if suppressed > 0 {
		details["suppressed"] = strconv.Itoa(suppressed)
	}
	if check != "" {
		details["check"] = check
	}
	if len(details) > 0 {
		e.Details = details
	}
	_ = auditlog.Record(ctx, s.Client, e)
}

// signedIn records u's sign-in through c, the transaction that stores its
// token (cred, nil for the screens, which open a session instead), with
// the failures of the same account and address not stored before it.
func (s *Service) signedIn(ctx context.Context, c *ent.Client, u *ent.User, key string, cred *ent.Credential) error {
	e := auditlog.Event{Kind: auditlog.SignInSucceeded, Target: auditlog.UserTarget(u),
		Actor: &auditlog.Actor{Kind: auditevent.ActorKindUser, User: u.PublicID}}
	details := map[string]string{}
	if cred != nil {
		details["credential"] = auditlog.CredentialRef(cred.ID, cred.Kind)
	}
	if n := s.SignInGate.Take(key); n > 0 {
		details["suppressed"] = strconv.Itoa(n)
	}
	if len(details) > 0 {
		e.Details = details
	}
	return auditlog.Record(ctx, c, e)
}
