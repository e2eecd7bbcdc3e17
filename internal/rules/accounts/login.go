package accounts

import (
	"context"
	"time"

	"userbridge/ent"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/auditlog"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/ident"
)

// DefaultLoginTTL is how long a token from Login lives.
const DefaultLoginTTL = 24 * time.Hour

// ReasonInvalidCredentials is the one answer to an unknown e-mail and to a
// wrong password alike.
const ReasonInvalidCredentials = "invalid_credentials" //nolint:gosec // G101: a reason code, not a credential

var errBadLogin = apperr.New(apperr.Unauthenticated, ReasonInvalidCredentials, "invalid e-mail or password")

// maxLoginEmail bounds the e-mail a login attempt may name: no stored
// address is longer (254 bytes, a few times more once folded), and the
// limiter's keys stay small.
const maxLoginEmail = 1024

// Login exchanges an e-mail and password for a first-party access token.
// The e-mail is compared by ident.Key, so every spelling of an address finds
// the one account, and every spelling spends the same account bucket. Every
// call is one attempt for the account and one for the client address (its
// /64 for IPv6, reqinfo.LimitKey), whatever its outcome. An imported hash
// that matches is replaced by the service's own in the transaction that
// stores the token (docs/passwords.md).
//
// Returns rate limited past either limit, and unauthenticated
// ("invalid_credentials") for an unknown e-mail, one that could not be an
// identifier (NUL, invalid UTF-8: no account has it, and it never reaches
// the database), a wrong password, or an account that is not active (any
// password), after the same password-hashing work in every case.
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (string, *ent.User, error) {
	u, upgrade, key, err := s.checkPassword(ctx, email, password, clientAddr)
	if err != nil {
		return "", nil, err
	}
	var token string
	err = withTx(ctx, s.Client, func(tx *ent.Tx) error {
		// A ban committed since the password was checked is a wrong
		// password too; one coming later revokes the token (lockActive).
		if err := s.lockActive(ctx, tx.Client(), u.ID); err != nil {
			if apperr.As(err).Kind == apperr.Unauthenticated {
				return errBadLogin
			}
			return err
		}
		if err := upgradePassword(ctx, tx.Client(), u, upgrade); err != nil {
			return err
		}
		// One event for the sign-in, naming the token (signedIn), not a
		// credential.minted beside it whose actor nobody had named yet.
		var cred *ent.Credential
		if token, cred, err = s.issue(auditlog.Quiet(ctx), tx.Client(), u.ID, nil, credential.KindAccessToken, auth.AllScopes, true, DefaultLoginTTL); err != nil {
			return err
		}
		return s.signedIn(ctx, tx.Client(), u, key, cred)
	})
	if err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// CheckPassword is Login without the token: the sign-in of the OAuth login
// screen, under the same limits and with the same answers. An imported
// hash that matches is replaced by the service's own.
func (s *Service) CheckPassword(ctx context.Context, email, password, clientAddr string) (*ent.User, error) {
	u, upgrade, key, err := s.checkPassword(ctx, email, password, clientAddr)
	if err != nil {
		return nil, err
	}
	if err := withTx(ctx, s.Client, func(tx *ent.Tx) error {
		if err := upgradePassword(ctx, tx.Client(), u, upgrade); err != nil {
			return err
		}
		return s.signedIn(ctx, tx.Client(), u, key, nil)
	}); err != nil {
		return nil, err
	}
	return u, nil
}

// checkPassword is the check of Login and CheckPassword, and the hash to
// store in place of the one that matched (matchPassword), and the key of
// the sign-in's audit events (signInKey). A failure is recorded here
// (signInFailed) with its true reason, which the answer never tells.
func (s *Service) checkPassword(ctx context.Context, email, password, clientAddr string) (*ent.User, string, string, error) {
	keys := []string{"login:addr:" + reqinfo.LimitKey(clientAddr)}
	bucket, ok := s.typedAccountKey(email)
	if ok {
		keys = append([]string{bucket}, keys...)
	}
	auditKey := signInKey(bucket, clientAddr)
	if err := s.throttle(ctx, keys...); err != nil {
		if apperr.As(err).Kind == apperr.RateLimited {
			s.signInFailed(ctx, auditKey, nil, SignInRateLimited)
		}
		return nil, "", "", err
	}
	var u *ent.User
	if ok {
		var err error
		u, err = s.Client.User.Query().Where(user.EmailKey(ident.Key(email))).Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return nil, "", "", apperr.Wrap(err, "looking up user")
		}
	}
	// A banned or suspended account gets the answer of a wrong password,
	// whatever the password: telling it apart only after the right one
	// would confirm a guessed password (one its owner may use elsewhere).
	// Its hash is not replaced either: nothing signed in.
	match, upgrade, err := matchPassword(u, password)
	if err != nil {
		return nil, "", "", err
	}
	if !match || u == nil || u.Status != user.StatusActive {
		s.signInFailed(ctx, auditKey, u, signInFailure(u, match))
		return nil, "", "", errBadLogin
	}
	return u, upgrade, auditKey, nil
}

func (s *Service) throttle(ctx context.Context, keys ...string) error {
	if s.LoginLimiter == nil {
		return nil
	}
	for _, k := range keys {
		res, err := s.LoginLimiter.Allow(ctx, k)
		if err != nil {
			return apperr.Wrap(err, "rate limiter")
		}
		if !res.Allowed {
			return apperr.New(apperr.RateLimited, ReasonLoginRateLimited,
				"too many login attempts, retry in "+res.RetryAfter.Round(time.Second).String())
		}
	}
	return nil
}
