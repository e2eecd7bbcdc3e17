package auditlog

// The kinds recorded where the action happens, not by the ent hooks: what
// a hook cannot see (a sign-in changes no row it would name, a replayed
// code is a refusal) or cannot name (the application acting at the OAuth
// token endpoint, a consent). Each is recorded in the transaction of its
// action, except the refusals (signin.failed, credential.reused), which
// change nothing and are written on their own: a failed sign-in through
// SignInGate, a reuse once per request that presents a spent code or a
// rotated refresh token.
const (
	// SignInSucceeded: a password sign-in (GraphQL login, the OAuth
	// sign-in screen, the account page). Target and actor are the user;
	// details: credential (the token minted, GraphQL login), screen
	// ("authorize" or "account"), suppressed (failures of the same account
	// and address not stored since the last event, SignInGate).
	SignInSucceeded Kind = "signin.succeeded"
	// SignInFailed: a refused password sign-in. Reason: unknown_user,
	// wrong_password, banned, suspended, no_password, rate_limited. Target:
	// the account when one exists, never what was typed. Details:
	// suppressed.
	SignInFailed Kind = "signin.failed"
	// CredentialRefreshed: a refresh token exchanged for a new pair at the
	// OAuth token endpoint; target: the new access token; details: the
	// refresh token spent, the new one, user, scopes.
	CredentialRefreshed Kind = "credential.refreshed" //nolint:gosec // G101: an event kind, not a secret
	// CredentialReused: a spent authorization code or a rotated refresh
	// token came back (a leak, or a client retrying what it must not);
	// the grant's tokens are revoked. Details: what came back
	// (authorization_code or refresh_token), the grant's client, user.
	CredentialReused Kind = "credential.reused" //nolint:gosec // G101: an event kind, not a secret
	// ConsentGiven: a user approved scopes for an application on the
	// consent screen; details: the scopes approved, all scopes now held.
	ConsentGiven Kind = "consent.given"
	// ConsentWithdrawn: a user ended an application's access (account
	// page, GraphQL revokeApplication): consent, tokens, codes.
	ConsentWithdrawn Kind = "consent.withdrawn"
	// ImportRan: one `userbridge import` run, with its summary counts.
	ImportRan Kind = "import.ran"
)

// SemanticKinds lists the kinds above, for the docs test and the filters.
var SemanticKinds = []Kind{SignInSucceeded, SignInFailed, CredentialRefreshed, CredentialReused,
	ConsentGiven, ConsentWithdrawn, ImportRan}
