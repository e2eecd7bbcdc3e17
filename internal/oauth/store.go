package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"time"

	"entgo.io/ent/dialect"
	"github.com/ory/fosite"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/authorizationcode"
	"userbridge/ent/credential"
	"userbridge/ent/predicate"
	"userbridge/ent/user"
	"userbridge/internal/auditlog"
	"userbridge/internal/rules/auth"
	"userbridge/internal/store/db"
)

// store keeps fosite's state in the service's tables: authorization codes
// and PKCE challenges in authorization_codes, access and refresh tokens as
// Credential rows (the same rows every dialect authenticates with), keyed
// by the token's SHA-256 and grouped by grant_id, fosite's request id.
type store struct {
	client *ent.Client
	now    func() time.Time
	oidc   bool // OpenID Connect on: clients may ask for openid and profile
	// postgres: the exchanges lock their user's row (lockActiveUser);
	// SQLite's one writer runs them one at a time anyway.
	postgres bool
}

func newStore(cfg Config, oidc bool) *store {
	return &store{client: cfg.Client, now: cfg.Now, oidc: oidc,
		postgres: cfg.Accounts != nil && cfg.Accounts.Dialect == dialect.Postgres}
}

// lockActiveUser reads the grant's user in the exchange's transaction,
// locking its row on PostgreSQL, and refuses one no longer active. A ban
// (which updates the row, then revokes the user's credentials and codes in
// its transaction) and an exchange then run one after the other: a ban
// committed first is seen here; one coming later waits for this
// transaction, then revokes the tokens it stored with the others.
func (s *store) lockActiveUser(ctx context.Context, id int) error {
	q := s.db(ctx).User.Query().Where(user.ID(id))
	if s.postgres {
		q = q.ForUpdate()
	}
	u, err := q.Only(ctx)
	if ent.IsNotFound(err) || (err == nil && u.Status != user.StatusActive) {
		return fosite.ErrInactiveToken
	}
	return err
}

type txKey struct{}

// BeginTX, Commit and Rollback let fosite run a token exchange (code
// invalidated, tokens stored; or refresh token rotated, new tokens stored)
// in one transaction.
func (s *store) BeginTX(ctx context.Context) (context.Context, error) {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, txKey{}, tx), nil
}

func (s *store) Commit(ctx context.Context) error {
	if tx, ok := ctx.Value(txKey{}).(*ent.Tx); ok {
		return tx.Commit()
	}
	return nil
}

func (s *store) Rollback(ctx context.Context) error {
	if tx, ok := ctx.Value(txKey{}).(*ent.Tx); ok {
		return tx.Rollback()
	}
	return nil
}

func (s *store) db(ctx context.Context) *ent.Client {
	if tx, ok := ctx.Value(txKey{}).(*ent.Tx); ok {
		return tx.Client()
	}
	return s.client
}

// storedRequest is an authorization request as kept until its code is
// exchanged.
type storedRequest struct {
	ID          string     `json:"id"`
	RequestedAt time.Time  `json:"requested_at"`
	Scopes      []string   `json:"scopes"`
	Granted     []string   `json:"granted"`
	Form        url.Values `json:"form"`
	Session     *Session   `json:"session"`
}

func (s *store) createCode(ctx context.Context, pkce bool, sig string, r fosite.Requester) error {
	sess, ok := r.GetSession().(*Session)
	c, okc := r.GetClient().(*Client)
	if !ok || !okc || sess.UserID == 0 {
		return errors.New("oauth: authorization request without user or application")
	}
	data, err := json.Marshal(storedRequest{ID: r.GetID(), RequestedAt: r.GetRequestedAt(),
		Scopes: r.GetRequestedScopes(), Granted: r.GetGrantedScopes(), Form: r.GetRequestForm(), Session: sess})
	if err != nil {
		return err
	}
	exp := sess.GetExpiresAt(fosite.AuthorizeCode)
	if exp.IsZero() {
		exp = s.now().Add(CodeTTL)
	}
	// Codes expired for a day are of no use, not even to detect a reuse
	// (an expired code is unknown): each new code clears them away.
	if _, err := s.db(ctx).AuthorizationCode.Delete().
		Where(authorizationcode.ExpiresAtLT(s.now().Add(-24 * time.Hour))).Exec(ctx); err != nil {
		return err
	}
	return s.db(ctx).AuthorizationCode.Create().SetPkce(pkce).SetSignature(sig).SetGrantID(r.GetID()).
		SetUserID(sess.UserID).SetApplicationID(c.App.ID).SetRequest(data).SetExpiresAt(exp.UTC()).Exec(ctx)
}

// getCode loads a code's request. An expired code is not found, so that
// the token endpoint answers invalid_grant (fosite checks the expiry only
// later, answering invalid_request).
func (s *store) getCode(ctx context.Context, pkce bool, sig string) (fosite.Requester, error) {
	req, row, err := s.loadCode(ctx, pkce, sig)
	if err != nil {
		return nil, err
	}
	if row.Used {
		noteReuse(ctx, "authorization_code", req.GetSession().GetSubject(), row.Edges.Application.ClientID)
		return req, fosite.ErrInvalidatedAuthorizeCode
	}
	return req, nil
}

// loadCode reads a code's row and request, used or not; an expired code is
// not found.
func (s *store) loadCode(ctx context.Context, pkce bool, sig string) (*fosite.Request, *ent.AuthorizationCode, error) {
	row, err := s.db(ctx).AuthorizationCode.Query().
		Where(authorizationcode.Pkce(pkce), authorizationcode.Signature(sig)).WithApplication().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	var sr storedRequest
	if err := json.Unmarshal(row.Request, &sr); err != nil {
		return nil, nil, err
	}
	if sr.Session == nil {
		sr.Session = newSession()
	}
	req := &fosite.Request{ID: sr.ID, RequestedAt: sr.RequestedAt, Client: newClient(row.Edges.Application, s.oidc),
		RequestedScope: sr.Scopes, GrantedScope: sr.Granted, Form: sr.Form, Session: sr.Session}
	if !s.now().Before(row.ExpiresAt) {
		return nil, nil, fosite.ErrNotFound
	}
	return req, row, nil
}

// CreateOpenIDConnectSession does nothing: the code's row already holds
// the request with its OpenID parameters (nonce, max_age, prompt,
// id_token_hint are kept by the sanitation allow-list) and its session.
func (s *store) CreateOpenIDConnectSession(context.Context, string, fosite.Requester) error {
	return nil
}

// GetOpenIDConnectSession returns the request of a code that asked for
// openid, after fosite marked the code used in the same exchange.
func (s *store) GetOpenIDConnectSession(ctx context.Context, code string, _ fosite.Requester) (fosite.Requester, error) {
	req, _, err := s.loadCode(ctx, false, auth.HashSecret(code))
	if err != nil {
		return nil, err
	}
	if !req.GetGrantedScopes().Has(scopeOpenID) {
		return nil, fosite.ErrNotFound
	}
	return req, nil
}

// DeleteOpenIDConnectSession does nothing: the code is spent with its
// exchange (InvalidateAuthorizeCodeSession).
func (s *store) DeleteOpenIDConnectSession(context.Context, string) error { return nil }

func (s *store) CreateAuthorizeCodeSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.createCode(ctx, false, sig, r)
}

func (s *store) GetAuthorizeCodeSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	return s.getCode(ctx, false, sig)
}

// InvalidateAuthorizeCodeSession marks a code used, once: of two exchanges
// racing, the second finds it used and stores nothing. Its user's row is
// locked first (lockActiveUser), so that a ban cannot pass between. Its PKCE challenge
// goes with it (see DeletePKCERequestSession), in the exchange's
// transaction.
func (s *store) InvalidateAuthorizeCodeSession(ctx context.Context, sig string) error {
	row, err := s.db(ctx).AuthorizationCode.Query().Where(authorizationcode.Pkce(false),
		authorizationcode.Signature(sig)).Only(ctx)
	if ent.IsNotFound(err) {
		return fosite.ErrInvalidatedAuthorizeCode
	}
	if err != nil {
		return err
	}
	if err := s.lockActiveUser(ctx, row.UserID); err != nil {
		return err
	}
	n, err := s.db(ctx).AuthorizationCode.Update().Where(authorizationcode.Pkce(false),
		authorizationcode.Signature(sig), authorizationcode.Used(false)).SetUsed(true).Save(ctx)
	if err == nil && n == 0 {
		return fosite.ErrInvalidatedAuthorizeCode
	}
	if err != nil {
		return err
	}
	_, err = s.db(ctx).AuthorizationCode.Delete().
		Where(authorizationcode.Pkce(true), authorizationcode.Signature(sig)).Exec(ctx)
	return err
}

func (s *store) CreatePKCERequestSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.createCode(ctx, true, sig, r)
}

func (s *store) GetPKCERequestSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	return s.getCode(ctx, true, sig)
}

// DeletePKCERequestSession does nothing: fosite calls it before it
// compares the verifier, outside the exchange's transaction, so a wrong or
// missing verifier would drop the challenge and leave the code without
// one: a retry without a verifier would then pass (a confidential client's
// code would lose its PKCE binding), and the right verifier would be told
// "Unable to find initial PKCE data". The challenge is deleted with its
// code's use instead (InvalidateAuthorizeCodeSession), and a failed
// exchange spends nothing.
func (s *store) DeletePKCERequestSession(context.Context, string) error { return nil }

// createToken stores an access or refresh token as a Credential of the
// application, for the session's user (none for client credentials), with
// the granted scopes and the consent the screen recorded.
func (s *store) createToken(ctx context.Context, kind credential.Kind, tt fosite.TokenType, sig string, r fosite.Requester) error {
	sess, ok := r.GetSession().(*Session)
	c, okc := r.GetClient().(*Client)
	if !ok || !okc {
		return errors.New("oauth: token request without session or application")
	}
	m := s.db(ctx).Credential.Create().SetTokenHash(sig).SetKind(kind).SetApplicationID(c.App.ID).
		SetScopes(append([]string{}, r.GetGrantedScopes()...)).SetConsented(sess.Consented).SetGrantID(r.GetID())
	if sess.UserID != 0 {
		m.SetUserID(sess.UserID)
	}
	if exp := sess.GetExpiresAt(tt); !exp.IsZero() {
		m.SetExpiresAt(exp.UTC())
	}
	if at := sess.IDTokenClaims().AuthTime; !at.IsZero() {
		m.SetAuthTime(at.UTC())
	}
	cred, err := m.Save(ctx)
	if err != nil || kind != credential.KindAccessToken {
		return err
	}
	return recordIssued(ctx, s.db(ctx), cred, r, sess)
}

// getToken rebuilds the request a token was issued for. A revoked token is
// inactive (fosite then revokes its whole grant if it was a refresh token:
// reuse of a rotated one); a token of a user who may no longer act is
// unknown.
func (s *store) getToken(ctx context.Context, kind credential.Kind, tt fosite.TokenType, sig string, into fosite.Session) (fosite.Requester, error) {
	c, err := s.db(ctx).Credential.Query().Where(credential.TokenHash(sig), credential.KindEQ(kind),
		credential.ApplicationIDNotNil(), credential.GrantIDNotNil()).WithApplication().WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if u := c.Edges.User; u != nil && u.Status != user.StatusActive {
		return nil, fosite.ErrNotFound
	}
	sess := newSession()
	sess.Consented = c.Consented
	if c.UserID != nil {
		sess.UserID = *c.UserID
		sess.Subject = c.Edges.User.PublicID
		// What a refresh's id_token says: the same user, signed in at
		// the same time, for the same application.
		cl := sess.IDTokenClaims()
		cl.Subject, cl.RequestedAt = sess.Subject, c.CreatedAt
		if c.AuthTime != nil {
			cl.AuthTime = *c.AuthTime
		}
		cl.Add("azp", c.Edges.Application.ClientID)
	}
	if c.ExpiresAt != nil {
		sess.SetExpiresAt(tt, *c.ExpiresAt)
	}
	if target, ok := into.(*Session); ok && target != nil { // introspection reads the session it passed
		*target = *sess
		sess = target
	}
	req := &fosite.Request{ID: *c.GrantID, RequestedAt: c.CreatedAt, Client: newClient(c.Edges.Application, s.oidc),
		RequestedScope: c.Scopes, GrantedScope: c.Scopes, Form: url.Values{}, Session: sess}
	if c.RevokedAt != nil {
		if kind == credential.KindRefreshToken {
			noteReuse(ctx, "refresh_token", sess.Subject, c.Edges.Application.ClientID)
		}
		return req, fosite.ErrInactiveToken
	}
	return req, nil
}

func (s *store) revokeSig(ctx context.Context, kind credential.Kind, sig string) (int, error) {
	return s.revoke(ctx, kind, credential.TokenHash(sig))
}

func (s *store) revokeGrant(ctx context.Context, kind credential.Kind, grantID string) error {
	_, err := s.revoke(ctx, kind, credential.GrantID(grantID))
	return err
}

// revoke revokes the unrevoked credentials of kind that p selects. Under
// /oauth/revoke (withRevocation) it records their credential.revoked
// events itself, in the revocation's transaction, naming as actor the
// application they belong to: fosite revokes a token only for the client
// that authenticated and owns it, and the endpoint has no viewer the ent
// hooks could name (they run quiet there).
func (s *store) revoke(ctx context.Context, kind credential.Kind, p predicate.Credential) (int, error) {
	where := []predicate.Credential{p, credential.KindEQ(kind), credential.RevokedAtIsNil()}
	if !revoking(ctx) {
		return s.db(ctx).Credential.Update().Where(where...).SetRevokedAt(s.now().UTC()).Save(ctx)
	}
	var n int
	err := db.WithTx(ctx, s.db(ctx), func(tx *ent.Tx) error {
		cs, err := tx.Credential.Query().Where(where...).
			WithApplication(func(q *ent.ApplicationQuery) { q.Select(application.FieldClientID) }).
			WithUser(func(q *ent.UserQuery) { q.Select(user.FieldPublicID) }).All(ctx)
		if err != nil || len(cs) == 0 {
			return err
		}
		ids := make([]int, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
		}
		if n, err = tx.Credential.Update().Where(credential.IDIn(ids...)).SetRevokedAt(s.now().UTC()).Save(ctx); err != nil {
			return err
		}
		for _, c := range cs {
			if err := auditlog.Record(ctx, tx, revokedEvent(c)); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

func (s *store) CreateAccessTokenSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.createToken(ctx, credential.KindAccessToken, fosite.AccessToken, sig, r)
}

func (s *store) GetAccessTokenSession(ctx context.Context, sig string, into fosite.Session) (fosite.Requester, error) {
	r, err := s.getToken(ctx, credential.KindAccessToken, fosite.AccessToken, sig, into)
	if errors.Is(err, fosite.ErrInactiveToken) {
		return nil, fosite.ErrNotFound
	}
	return r, err
}

func (s *store) DeleteAccessTokenSession(ctx context.Context, sig string) error {
	_, err := s.revokeSig(ctx, credential.KindAccessToken, sig)
	return err
}

func (s *store) CreateRefreshTokenSession(ctx context.Context, sig, _ string, r fosite.Requester) error {
	return s.createToken(ctx, credential.KindRefreshToken, fosite.RefreshToken, sig, r)
}

func (s *store) GetRefreshTokenSession(ctx context.Context, sig string, into fosite.Session) (fosite.Requester, error) {
	return s.getToken(ctx, credential.KindRefreshToken, fosite.RefreshToken, sig, into)
}

func (s *store) DeleteRefreshTokenSession(ctx context.Context, sig string) error {
	_, err := s.revokeSig(ctx, credential.KindRefreshToken, sig)
	return err
}

// RotateRefreshToken ends the refresh token just used and the access
// tokens issued before it: after a refresh only the new pair works. Of two
// refreshes racing with one token, the second finds it inactive.
func (s *store) RotateRefreshToken(ctx context.Context, grantID, sig string) error {
	c, err := s.db(ctx).Credential.Query().Where(credential.TokenHash(sig), credential.KindEQ(credential.KindRefreshToken)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return fosite.ErrInactiveToken
	}
	if err != nil {
		return err
	}
	if c.UserID != nil {
		if err := s.lockActiveUser(ctx, *c.UserID); err != nil {
			return err
		}
	}
	n, err := s.revokeSig(ctx, credential.KindRefreshToken, sig)
	if err != nil {
		return err
	}
	if n == 0 {
		return fosite.ErrInactiveToken
	}
	return s.revokeGrant(ctx, credential.KindAccessToken, grantID)
}

// RevokeRefreshToken revokes every refresh token of a grant (RFC 7009, and
// the whole family when a rotated refresh token comes back).
func (s *store) RevokeRefreshToken(ctx context.Context, grantID string) error {
	return s.revokeGrant(ctx, credential.KindRefreshToken, grantID)
}

// RevokeAccessToken revokes every access token of a grant.
func (s *store) RevokeAccessToken(ctx context.Context, grantID string) error {
	return s.revokeGrant(ctx, credential.KindAccessToken, grantID)
}
