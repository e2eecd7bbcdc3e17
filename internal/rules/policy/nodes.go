package policy

import (
	"userbridge/ent"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
)

// ReadNode decides whether the viewer may see an object fetched by id
// (node, nodes, user): a user it may read, a file, signature or
// credential it owns or manages, an audit event if it reads the trail
// (ReadAuditEvents). Anything else is not found, exactly as
// an id that does not exist, so that ids tell nothing: that holds even
// for a missing scope, which is forbidden only on the viewer's own
// objects (which it knows exist).
func ReadNode(v *auth.Viewer, n ent.Noder) error {
	if err := Authenticated(v); err != nil {
		return err
	}
	var (
		owner   int
		scope   string
		visible bool
	)
	switch n := n.(type) {
	case *ent.User:
		owner, scope = n.ID, auth.ScopeIdentity
		visible = IsSelf(v, n) || ReadsUsers(v)
	case *ent.File:
		owner, scope = n.OwnerID, auth.ScopeFiles
		visible = v.UserID() == owner || looksAfterOwner(v, n.Edges.Owner)
	case *ent.Signature:
		owner, scope = n.OwnerID, auth.ScopeSignatures
		visible = v.UserID() == owner || looksAfterOwner(v, n.Edges.Owner)
	case *ent.Credential:
		if n.UserID == nil {
			return apperr.ErrNotFound
		}
		owner, scope = *n.UserID, auth.ScopeIdentity
		visible = ReadCredential(v, n) == nil
	case *ent.AuditEvent:
		// Whoever reads the trail reads each of its events; anyone else,
		// a narrowed key of an administrator too, finds no such id.
		scope = auth.ScopeIdentity
		visible = ReadAuditEvents(v) == nil
	}
	if !visible {
		return apperr.ErrNotFound
	}
	if !v.HasScope(auth.ScopeIdentity) || !v.HasScope(scope) {
		if v.UserID() != owner || owner == 0 {
			return apperr.ErrNotFound
		}
		if !v.HasScope(auth.ScopeIdentity) {
			scope = auth.ScopeIdentity
		}
		return forbidden(ReasonMissingScope, "the credential lacks scope "+scope)
	}
	return nil
}

// looksAfterOwner is LooksAfter for an object whose owner the caller
// loaded (its Edges.Owner); an administrator looks after everyone, and
// anyone else sees nothing of an owner that was not loaded.
func looksAfterOwner(v *auth.Viewer, owner *ent.User) bool {
	if IsAdmin(v.User) {
		return ManagesUsers(v)
	}
	return owner != nil && LooksAfter(v, owner)
}
