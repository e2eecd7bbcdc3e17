// Package auditlog is the audit trail: the events an identity store is
// asked about after an incident (who signed in, who changed whom, which
// token was reused), each written in the transaction of the action it
// records (Record), logged as one structured line once that transaction
// commits, and handed to the subscribers (Options). docs/audit.md lists
// every kind.
package auditlog

import (
	"regexp"
	"strconv"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/ent/credential"
	"userbridge/ent/migrate"
)

// Kind names what happened: "<object>.<past tense>", such as user.changed.
// The kinds are text in the database (a new one needs no migration); each
// is declared as a constant here or beside the code that records it, and
// documented in docs/audit.md (TestDocsListEveryKind).
type Kind string

// The kinds that the ent hooks (hooks.go) record for every writer.
const (
	UserCreated            Kind = "user.created"
	UserChanged            Kind = "user.changed"
	UserDeleted            Kind = "user.deleted"
	UserRoleChanged        Kind = "user.role_changed"
	UserPrivilegesChanged  Kind = "user.privileges_changed"
	UserBanned             Kind = "user.banned"
	UserUnbanned           Kind = "user.unbanned"
	UserSuspended          Kind = "user.suspended"
	UserReactivated        Kind = "user.reactivated"
	UserPasswordChanged    Kind = "user.password_changed"
	UserPasswordReset      Kind = "user.password_reset"
	ApplicationCreated     Kind = "application.created"
	ApplicationChanged     Kind = "application.changed"
	ApplicationDeleted     Kind = "application.deleted"
	ApplicationSecretReset Kind = "application.secret_rotated"
	CredentialMinted       Kind = "credential.minted"  //nolint:gosec // G101: an event kind, not a secret
	CredentialRevoked      Kind = "credential.revoked" //nolint:gosec // G101: an event kind, not a secret
)

// kindPattern is the shape every kind has; Record refuses any other, so a
// typo cannot reach the table as a kind nobody filters on.
var kindPattern = regexp.MustCompile(`^[a-z][a-z_]*\.[a-z][a-z_]*$`)

// Target types: what an event acted on.
const (
	TargetUser        = "user"
	TargetApplication = "application"
	TargetCredential  = "credential"
	TargetConsent     = "consent"
	TargetImport      = "import"
)

// Transports: the way an action came in (Transport).
const (
	TransportGraphQL     = "graphql"
	TransportUsersV1     = "users-v1"
	TransportEduFocus    = "edu-focus"
	TransportEduPlatform = "edu-platform"
	TransportMaarch      = "maarch"
	TransportOAuth       = "oauth"
	TransportCLI         = "cli"
	TransportImport      = "import"
	TransportInternal    = "internal" // no request, no command: a sweep, a test
)

// Event is what a caller records. Actor, transport, route, client address,
// request id and trace id come from the context (context.go) unless set
// here. Fields names what changed, never a value; Details carries facts
// that are no secret (a role, scopes, a count). Reason says why (a
// failure's reason, a ban's).
type Event struct {
	Kind    Kind
	Target  Target
	Fields  []string
	Reason  string
	Details map[string]string
	// Actor replaces the context's viewer: a sign-in names the user who
	// signed in, whom no credential named yet.
	Actor *Actor
}

// Target is what an event acted on: a type and a public id.
type Target struct {
	Type string
	ID   string
}

// UserTarget is the target for user u (its public id).
func UserTarget(u *ent.User) Target { return Target{Type: TargetUser, ID: u.PublicID} }

// ApplicationTarget is the target for application a (its client id).
func ApplicationTarget(a *ent.Application) Target {
	return Target{Type: TargetApplication, ID: a.ClientID}
}

// CredentialTarget is the target for credential c (CredentialRef).
func CredentialTarget(c *ent.Credential) Target {
	return Target{Type: TargetCredential, ID: CredentialRef(c.ID, c.Kind)}
}

// Actor is who acted.
type Actor struct {
	Kind        auditevent.ActorKind
	User        string // public id
	Application string // client id
	Credential  string // CredentialRef
}

var credentialPrefixes = map[credential.Kind]string{
	credential.KindAccessToken:  "tok_",
	credential.KindRefreshToken: "ref_",
	credential.KindAPIKey:       "key_",
}

// credentialBase is the first id of the credentials' range.
var credentialBase = *migrate.CredentialsTable.Annotation.IncrementStart

// CredentialRef is the short id of a credential as the command line shows
// it (tok_7, key_2, ref_3): what an operator types to revoke it. An id
// outside the credentials' range stays a number.
func CredentialRef(id int, kind credential.Kind) string {
	rank := id - credentialBase
	if p, ok := credentialPrefixes[kind]; ok && rank >= 0 && rank < 1<<32 {
		return p + strconv.Itoa(rank)
	}
	return strconv.Itoa(id)
}
