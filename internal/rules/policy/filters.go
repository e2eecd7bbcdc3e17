package policy

import (
	"userbridge/internal/rules/auth"
)

// A filter or an ordering is a way of reading: `where: {emailHasPrefix: "a"}`
// with totalCount guesses an e-mail letter by letter, and
// `where: {hasFilesWith: {name: "x"}}` tells who holds a file. So every
// condition needs the right to read what it compares, and the answer
// otherwise is forbidden for the whole list (an empty page would be an
// oracle too). The transport lists what its filter touches; Filter decides.

// EveryListedUser is the FilterRead.Owner of a condition evaluated on every
// user of a list (users(where:)): it reads other users' data.
const EveryListedUser = -1

// What a condition may read: the user's own fields, or what is reached from
// it through an edge.
const (
	OfUser        = "user"
	OfFiles       = "files"        // the user's files (User.files)
	OfAvatar      = "avatar"       // the user's avatar, shown with the user
	OfSignatures  = "signatures"   // the user's signatures
	OfCredentials = "credentials"  // the user's credentials
	OfAuditEvents = "audit_events" // the audit trail, read by administrators
)

// FilterRead is one thing a filter condition or an ordering reads.
type FilterRead struct {
	// Owner is the user whose data is read: a user id, or EveryListedUser.
	// Edges keep the owner: a file's owner is the user the file hangs from.
	Owner int
	// Of is OfUser or an edge of the user (OfFiles, ...).
	Of string
	// Field is the ent field compared or ordered by; "" when the condition
	// asks only whether the edge has any object (hasFiles: true).
	Field string
}

// userFieldScopes is the scope each filterable user field needs, the same
// as reading it: login is often an e-mail, so it follows email. A field not
// listed here cannot be filtered or ordered on (password hashes, tokens).
var userFieldScopes = map[string]string{
	"id":         auth.ScopeIdentity,
	"created_at": auth.ScopeIdentity,
	"updated_at": auth.ScopeIdentity,
	"public_id":  auth.ScopeIdentity,
	"username":   auth.ScopeIdentity,
	"role":       auth.ScopeIdentity,
	"flags":      auth.ScopeIdentity,
	"status":     auth.ScopeIdentity,
	"verified":   auth.ScopeIdentity,
	"mode":       auth.ScopeIdentity,
	"email":      auth.ScopeEmail,
	"login":      auth.ScopeEmail,
	"first_name": auth.ScopePersonal,
	"last_name":  auth.ScopePersonal,
	"name":       auth.ScopePersonal,
}

// ownedFields are the filterable fields of what a user owns, by edge: those
// a viewer allowed to see the object reads anyway. Secrets (token hashes,
// storage keys, signature images) are absent.
var ownedFields = map[string]map[string]bool{
	OfFiles:       fileFields,
	OfAvatar:      fileFields,
	OfSignatures:  set("id", "created_at", "external_application", "format"),
	OfCredentials: set("id", "created_at", "kind", "consented", "expires_at", "revoked_at", "last_used_at"),
	// The trail is read only whole, by its readers (ReadAuditEvents); ent
	// generates its ordering by time, which auditEvents does not offer yet.
	OfAuditEvents: set("occurred_at"),
}

var fileFields = set("id", "created_at", "kind", "nature", "name", "content_type", "file_type",
	"size", "sha256", "scenario_id", "expires_at")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Filterable reports whether a field of `of` may appear in a filter or an
// ordering at all, for some viewer. Transports use it to prove, in their
// tests, that every field their schema offers is classified here.
func Filterable(of, field string) bool {
	if of == OfUser {
		_, ok := userFieldScopes[field]
		return ok || field == "" // "" : the user an edge leads back to exists
	}
	fields, ok := ownedFields[of]
	return ok && (field == "" || fields[field])
}

// Filter decides whether the viewer may filter or order a list by all of
// reads. The list itself is already visible (ListUsers, ReadFiles): this
// decides what its conditions compare.
//
//   - A user field needs the scope that reading it needs.
//   - The avatar is shown with the user, so conditions on it need what
//     showing it needs (ReadAvatar).
//   - Files, signatures and credentials need the right to read them for
//     every user the condition runs on: in users(where:), every listed user,
//     hence manage_users (an application's users:read shows users, not what
//     they own); under one user (User.files), that user's.
//
// Returns forbidden (missing_scope, privilege, or not_filterable) otherwise.
func Filter(v *auth.Viewer, reads []FilterRead) error {
	if err := Scope(v, auth.ScopeIdentity); err != nil {
		return err
	}
	for _, r := range reads {
		if err := filterRead(v, r); err != nil {
			return err
		}
	}
	return nil
}

func filterRead(v *auth.Viewer, r FilterRead) error {
	if !Filterable(r.Of, r.Field) {
		return forbidden("not_filterable", "filtering or ordering on "+r.Of+" "+r.Field+" is not allowed")
	}
	switch r.Of {
	case OfUser:
		if r.Field == "" {
			return nil
		}
		// Whatever reading the field needs, filtering needs too.
		if err := ReadField(v, r.Field); err != nil {
			return err
		}
		return Scope(v, userFieldScopes[r.Field])
	case OfAvatar:
		// The same rule as showing User.avatar: a filter needs exactly the
		// right to read what it compares.
		return ReadAvatar(v)
	case OfFiles:
		return readOwnedBy(v, r.Owner, auth.ScopeFiles, "files")
	case OfSignatures:
		return readOwnedBy(v, r.Owner, auth.ScopeSignatures, "signatures")
	case OfCredentials:
		// Credentials are listed by first-party credentials only.
		if !v.FirstParty() {
			return forbidden(ReasonPrivilege, "filtering on credentials needs a first-party credential")
		}
		return readOwnedBy(v, r.Owner, "", "credentials")
	case OfAuditEvents:
		return ReadAuditEvents(v)
	}
	return forbidden("not_filterable", "filtering on "+r.Of+" is not allowed")
}

// readOwnedBy requires scope (when not empty) and the right to read what
// owner owns: the owner itself or manage_users (the caller of a filter
// under one user has checked that it sees that user's, ReadOwned); for
// every listed user, an administrator, the one viewer that sees what every
// user owns (a manager does not see an administrator's, LooksAfter).
func readOwnedBy(v *auth.Viewer, owner int, scope, what string) error {
	if scope != "" {
		if err := Scope(v, scope); err != nil {
			return err
		}
	}
	if owner == EveryListedUser && ManagesUsers(v) {
		if IsAdmin(v.User) {
			return nil
		}
		return forbidden(ReasonAdminRequired, "filtering every user on their "+what+" needs an administrator")
	}
	if owner != EveryListedUser && (ManagesUsers(v) || v.UserID() == owner && v.UserID() != 0) {
		return nil
	}
	return forbidden(ReasonPrivilege, "filtering on other users' "+what+" needs manage_users")
}
