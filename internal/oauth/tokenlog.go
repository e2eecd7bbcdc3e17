package oauth

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/ory/fosite"

	"userbridge/internal/edge/reqinfo"
)

// tokenEvent is what the store learns during one token request that the
// request's log line reports: a spent code or a revoked refresh token that
// came back, and whose grant it was. fosite answers both with a plain
// invalid_grant; the operator needs to tell them from a typo.
type tokenEvent struct {
	reuse       string // "authorization_code" or "refresh_token"
	user        string // the grant's user (public id)
	grantClient string // the grant's client, when another client presented it
	grant       string // the grant type asked (the audit event's, audit.go)
}

type eventKey struct{}

func withTokenEvent(ctx context.Context) (context.Context, *tokenEvent) {
	ev := new(tokenEvent)
	return context.WithValue(ctx, eventKey{}, ev), ev
}

// noteReuse records, on a token request, that a spent code or a revoked
// refresh token of user's grant, issued to client, came back. Elsewhere
// (revocation, introspection) it does nothing.
func noteReuse(ctx context.Context, kind, user, client string) {
	if ev, ok := ctx.Value(eventKey{}).(*tokenEvent); ok {
		ev.reuse, ev.user, ev.grantClient = kind, user, client
	}
}

// logToken writes the token request's one line, before its answer: the
// grant type, the client (the authenticated one, or the one the request
// claimed), the user of the grant, the outcome and RFC 6749's error. A
// reused code or refresh token is WARN: it means a leak, or a client
// retrying what it must not. No token, code, verifier or secret is ever
// written, only identifiers.
func (s *Server) logToken(ctx context.Context, r *http.Request, ar fosite.AccessRequester, ev *tokenEvent, err error) {
	client := tokenClient(r, ar)
	var user string
	if ar != nil {
		if sess, ok := ar.GetSession().(*Session); ok {
			user = sess.Subject
		}
	}
	if user == "" {
		user = ev.user
	}
	attrs := []slog.Attr{
		slog.String("request_id", reqinfo.RequestID(ctx)),
		slog.String("grant_type", clip(r.PostForm.Get("grant_type"), 40)),
		slog.String("client_id", clip(client, 64)),
	}
	if user != "" {
		attrs = append(attrs, slog.String("user", user))
		reqinfo.FactsOf(ctx).User = user // and the access log's line
	}
	level := slog.LevelInfo
	if err == nil {
		attrs = append(attrs, slog.String("outcome", "issued"))
	} else {
		rfc := fosite.ErrorToRFC6749Error(err)
		attrs = append(attrs, slog.String("outcome", "refused"), slog.String("error", rfc.ErrorField))
		if rfc.HintField != "" {
			attrs = append(attrs, slog.String("hint", clip(rfc.HintField, 200)))
		}
	}
	if ev.reuse != "" {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("reuse", ev.reuse))
		if ev.grantClient != client {
			attrs = append(attrs, slog.String("grant_client_id", ev.grantClient))
		}
	}
	s.cfg.Logger.LogAttrs(ctx, level, "oauth token", attrs...)
}

// tokenClient is the client of a token request: the authenticated one,
// or the one the request claimed.
func tokenClient(r *http.Request, ar fosite.AccessRequester) string {
	// Until the client authenticates, fosite's request holds an empty one.
	if ar != nil {
		if c := ar.GetClient(); c != nil && c.GetID() != "" {
			return c.GetID()
		}
	}
	return claimedClient(r)
}

// claimedClient is the client a request names, before it authenticates.
func claimedClient(r *http.Request) string {
	if id, _, ok := r.BasicAuth(); ok {
		if u, err := url.QueryUnescape(id); err == nil {
			return u
		}
		return id
	}
	return r.PostForm.Get("client_id")
}

// clip bounds what a client controls before it reaches a log line.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
