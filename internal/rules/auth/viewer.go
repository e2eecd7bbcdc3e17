// Package auth turns an Authorization header into a Viewer and carries it in
// the request context. It holds the credential formats (tokens, application
// secrets, passwords); what a viewer may do is decided in package policy.
package auth

import (
	"context"
	"slices"

	"userbridge/ent"
)

// The scopes a credential can carry.
const (
	ScopeIdentity   = "identity"
	ScopeEmail      = "email"
	ScopePersonal   = "personal"
	ScopeModify     = "modify"
	ScopeFiles      = "files"
	ScopeSignatures = "signatures"
)

// AllScopes is what first-party credentials and API keys are stored with
// when they are made without a list of scopes.
var AllScopes = []string{ScopeIdentity, ScopeEmail, ScopePersonal, ScopeModify, ScopeFiles, ScopeSignatures}

// AppOnlyScopes is what an application authenticated with Basic
// application_id:secret carries when it acts alone: it may read, within its
// special permissions, but never modify.
var AppOnlyScopes = []string{ScopeIdentity, ScopeEmail, ScopePersonal}

// ValidScope reports whether s names a known scope.
func ValidScope(s string) bool { return slices.Contains(AllScopes, s) }

// Viewer is who is asking: a user through a credential (first-party or issued
// to an application), or an application alone (User nil).
type Viewer struct {
	User       *ent.User
	App        *ent.Application
	Credential *ent.Credential
	Scopes     []string
	Consented  bool
	operator   bool // the command line's viewer (Operator)
}

// HasScope reports whether the viewer's credential carries scope s.
func (v *Viewer) HasScope(s string) bool { return v != nil && slices.Contains(v.Scopes, s) }

// UserID returns the viewer's user id, or 0 for an application alone.
func (v *Viewer) UserID() int {
	if v == nil || v.User == nil {
		return 0
	}
	return v.User.ID
}

// FirstParty reports whether the credential was issued by userbridge itself
// (CLI, GraphQL login, API keys) rather than to an application.
func (v *Viewer) FirstParty() bool { return v != nil && v.App == nil }

type viewerKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer of the request, or nil when anonymous.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}
