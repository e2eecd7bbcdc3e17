package oauth

import (
	"context"
	"strings"

	"github.com/ory/fosite"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/internal/auditlog"
)

// The token endpoint records its own audit events (auditlog's semantic
// kinds): the ent hooks, which it runs under (auditlog.Quiet), would name
// an anonymous actor and one event per row, where the operator wants one
// event per exchange naming the application and the user.

// tokenActor is who acts in a token request: the application, for a user
// when the grant has one.
func tokenActor(client, subject string) *auditlog.Actor {
	if subject == "" {
		return &auditlog.Actor{Kind: auditevent.ActorKindApplication, Application: client}
	}
	return &auditlog.Actor{Kind: auditevent.ActorKindUser, User: subject, Application: client}
}

// recordIssued records, through c (the exchange's transaction when there
// is one), the access token cred stored for r: credential.refreshed for a
// refresh, credential.minted for a code or the client's own credentials.
func recordIssued(ctx context.Context, c *ent.Client, cred *ent.Credential, r fosite.Requester, sess *Session) error {
	// fosite stores a refresh's tokens with a sanitised copy of the
	// request, which has lost its grant type: the token request's form
	// tells it (grantOf).
	kind, grant := auditlog.CredentialMinted, grantOf(ctx)
	if grant == "refresh_token" {
		kind = auditlog.CredentialRefreshed
	}
	details := map[string]string{"credential_kind": string(cred.Kind), "grant_type": grant,
		"scopes": strings.Join(cred.Scopes, " ")}
	if sess.Subject != "" {
		details["user"] = sess.Subject
	}
	return auditlog.Record(ctx, c, auditlog.Event{Kind: kind, Target: auditlog.CredentialTarget(cred),
		Actor: tokenActor(r.GetClient().GetID(), sess.Subject), Details: details})
}

// recordReuse records, on its own (the request is refused, nothing it did
// commits), that a spent code or a rotated refresh token came back, with
// client the one presenting it. fosite revokes the grant's tokens.
func (s *Server) recordReuse(ctx context.Context, client string, ev *tokenEvent) {
	details := map[string]string{"presented": ev.reuse, "grant_client": ev.grantClient}
	if ev.user != "" {
		details["user"] = ev.user
	}
	e := auditlog.Event{Kind: auditlog.CredentialReused, Reason: ev.reuse, Details: details,
		Actor: &auditlog.Actor{Kind: auditevent.ActorKindApplication, Application: clip(client, 64)}}
	if ev.user != "" {
		e.Target = auditlog.Target{Type: auditlog.TargetUser, ID: ev.user}
	}
	if err := auditlog.Record(ctx, s.cfg.Client, e); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording a reuse", "err", err)
	}
}

// grantOf is the grant type of the token request ctx serves ("" outside
// one).
func grantOf(ctx context.Context) string {
	if ev, ok := ctx.Value(eventKey{}).(*tokenEvent); ok {
		return ev.grant
	}
	return ""
}

type revocationKey struct{}

// withRevocation returns ctx of an /oauth/revoke request: the ent hooks
// record nothing under it (auditlog.Quiet), the store records the
// revocations itself (store.revoke, revokedEvent).
func withRevocation(ctx context.Context) context.Context {
	return context.WithValue(auditlog.Quiet(ctx), revocationKey{}, true)
}

func revoking(ctx context.Context) bool { _, ok := ctx.Value(revocationKey{}).(bool); return ok }

// revokedEvent is credential.revoked for c (loaded with its application's
// client id and its user's public id) revoked at /oauth/revoke: the
// application revokes it, for its user when it has one. The details are
// the hooks' (kind and scopes, never the hash) and the user.
func revokedEvent(c *ent.Credential) auditlog.Event {
	details := map[string]string{"credential_kind": string(c.Kind)}
	if len(c.Scopes) > 0 {
		details["scopes"] = strings.Join(c.Scopes, " ")
	}
	var client, subject string
	if a := c.Edges.Application; a != nil {
		client = a.ClientID
	}
	if u := c.Edges.User; u != nil {
		subject = u.PublicID
		details["user"] = subject
	}
	return auditlog.Event{Kind: auditlog.CredentialRevoked, Target: auditlog.CredentialTarget(c), Details: details,
		Actor: &auditlog.Actor{Kind: auditevent.ActorKindApplication, Application: client}}
}
