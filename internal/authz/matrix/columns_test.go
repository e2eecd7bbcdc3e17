package matrix_test

import "slices"

// outcome is what a cell expects, before its dialect spells it.
type outcome int

const (
	allowed outcome = iota
	unauthenticated
	forbidden
	notFound
	public // no authorization at all: the same answer for everyone
)

func (o outcome) String() string {
	return [...]string{"allowed", "unauthenticated", "forbidden", "not found", "public"}[o]
}

// credKind is how a column authenticates.
type credKind int

const (
	credNone     credKind = iota // no Authorization header
	credDead                     // a credential that must not work (revoked, expired, banned)
	credFirst                    // first-party (CLI, login, API key)
	credApp                      // a token issued to an application for a user
	credAppAlone                 // Basic application_id:secret
)

// userKind is who the column's user is.
type userKind int

const (
	plainUser userKind = iota
	manager            // holds manage_users, not an administrator
	administrator
)

// col is one kind of viewer: a column of the matrix. Every column gets its
// own viewer and its own victim (B) in each world, so cells never disturb
// one another.
type col struct {
	key, title  string
	cred        credKind
	user        userKind
	scopes      []string // of the credential (app alone: identity, email, personal)
	consented   bool
	verified    bool // the application
	read, write bool // the application holds users:read, users:write
	victimAdmin bool // the other user this column acts on is an administrator
	dead        string
}

var allScopes = []string{"identity", "email", "personal", "modify", "files", "signatures"}

// columns, in the document's order.
var columns = []col{
	{key: "anon", title: "anonymous: no Authorization header", cred: credNone},
	{key: "revoked", title: "a revoked first-party token of an administrator", cred: credDead, user: administrator, dead: "revoked"},
	{key: "expired", title: "an expired first-party token of an administrator", cred: credDead, user: administrator, dead: "expired"},
	{key: "banned", title: "a first-party token of a banned administrator", cred: credDead, user: administrator, dead: "banned"},
	{key: "userA", title: "user A (no privilege, first-party token, every scope) acting on user B", cred: credFirst, user: plainUser, scopes: allScopes, consented: true},
	{key: "narrow", title: "a first-party API key of an administrator narrowed to `identity`", cred: credFirst, user: administrator, scopes: []string{"identity"}, consented: true},
	{key: "noConsent", title: "an application token without consent (verified application with users:read and users:write, administrator, every scope)", cred: credApp, user: administrator, scopes: allScopes, verified: true, read: true, write: true},
	{key: "unverified", title: "a token of an unverified application (users:read and users:write, consented, administrator, every scope)", cred: credApp, user: administrator, scopes: allScopes, consented: true, read: true, write: true},
	{key: "noPerm", title: "a token of a verified application holding no permission (consented, administrator, every scope)", cred: credApp, user: administrator, scopes: allScopes, consented: true, verified: true},
	{key: "appAlone", title: "an application alone: Basic id:secret of a verified application with users:read and users:write", cred: credAppAlone, scopes: []string{"identity", "email", "personal"}, verified: true, read: true, write: true},
	{key: "appAll", title: "an application token with everything: verified, users:read and users:write, consented, every scope, administrator (the rule \"all of\")", cred: credApp, user: administrator, scopes: allScopes, consented: true, verified: true, read: true, write: true},
	{key: "mgr→admin", title: "a manager (manage_users, not administrator, first-party) acting on an administrator", cred: credFirst, user: manager, scopes: allScopes, consented: true, victimAdmin: true},
	{key: "mgr→user", title: "the same manager acting on a plain user", cred: credFirst, user: manager, scopes: allScopes, consented: true},
	{key: "admin", title: "an administrator (first-party token, every scope) acting on user B", cred: credFirst, user: administrator, scopes: allScopes, consented: true},
}

// The contract's vocabulary, one function per notion of authorization.md.

func (c col) has(scope string) bool { return slices.Contains(c.scopes, scope) }
func (c col) hasAll(scopes ...string) bool {
	for _, s := range scopes {
		if !c.has(s) {
			return false
		}
	}
	return true
}
func (c col) hasUser() bool    { return c.cred == credFirst || c.cred == credApp }
func (c col) manages() bool    { return c.hasUser() && c.user != plainUser }
func (c col) isAdmin() bool    { return c.hasUser() && c.user == administrator }
func (c col) authed() bool     { return c.cred != credNone && c.cred != credDead }
func (c col) firstParty() bool { return c.cred == credFirst }

// readsOthers: "read a user": first-party with manage_users, or an
// application (with or without a user) holding users:read.
func (c col) readsOthers() bool {
	switch c.cred {
	case credFirst:
		return c.manages()
	case credApp, credAppAlone:
		return c.read
	}
	return false
}

// managesOthers: "the viewer may manage that user" (model.md), which shows
// another user's files, signatures and credentials: first-party with
// manage_users, or an application token meeting "all of" except the scope.
func (c col) managesOthers() bool {
	switch c.cred {
	case credFirst:
		return c.manages()
	case credApp:
		return c.verified && c.write && c.consented && c.manages()
	}
	return false
}

// looksAfterB: sees B's files and signatures: managesOthers, and for an
// administrator B an administrator (a manager may not act on an
// administrator, so it sees nothing of what it owns either).
func (c col) looksAfterB() bool { return c.managesOthers() && (!c.victimAdmin || c.isAdmin()) }

// filtersEveryone: filters every listed user on their files or signatures,
// which covers the administrators': an administrator who managesOthers.
func (c col) filtersEveryone() bool { return c.managesOthers() && c.isAdmin() }

// writesOthers: create, update, delete a user, set their signatures, revoke
// their credentials; on an administrator only an administrator. Decision:
// a first-party credential needs scope modify too (a key narrowed to
// identity changes nothing).
func (c col) writesOthers() bool {
	if !c.managesOthers() || !c.has("modify") {
		return false
	}
	return !c.victimAdmin || c.isAdmin()
}

// expectation helpers: each returns the outcome of a kind of action.

func gate(c col) (outcome, bool) {
	if !c.authed() {
		return unauthenticated, true
	}
	return allowed, false
}

func readSelf(scopes ...string) func(col) outcome {
	return func(c col) outcome {
		if o, done := gate(c); done {
			return o
		}
		if !c.hasUser() || !c.hasAll(scopes...) {
			return forbidden
		}
		return allowed
	}
}

func viewerQuery(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	return allowed // an application alone gets null, as the schema documents
}

func modifySelf(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.hasUser() || !c.has("modify") {
		return forbidden
	}
	if c.cred == credApp && (!c.verified || !c.write) {
		return forbidden
	}
	return allowed
}

func changeEmail(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.firstParty() || !c.has("modify") {
		return forbidden
	}
	return allowed
}

// deleteSelf: a consented credential; an application token also needs
// users:write. Decision: a first-party credential also needs scope modify
// (a key narrowed to identity reads, it does not destroy the account).
func deleteSelf(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.hasUser() || !c.consented || (c.cred == credApp && !c.write) || (c.firstParty() && !c.has("modify")) {
		return forbidden
	}
	return allowed
}

func ownCredentials(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.firstParty() {
		return forbidden
	}
	return allowed
}

func mintEveryScope(c col) outcome {
	if o := ownCredentials(c); o != allowed {
		return o
	}
	if !c.hasAll(allScopes...) {
		return forbidden
	}
	return allowed
}

func readOther(shape ...string) func(col) outcome {
	return func(c col) outcome {
		if o, done := gate(c); done {
			return o
		}
		if !c.has("identity") {
			return forbidden
		}
		if !c.readsOthers() {
			return notFound
		}
		if !c.hasAll(shape...) {
			return forbidden
		}
		return allowed
	}
}

// lookUpOther is Edu-Focus GET /users/{id}: the permission is checked
// before any lookup, so the answer is the same for every id.
func lookUpOther(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.has("identity") || !c.readsOthers() {
		return forbidden
	}
	return allowed
}

func readOwnedOther(scope string) func(col) outcome {
	return func(c col) outcome {
		if o, done := gate(c); done {
			return o
		}
		if !c.looksAfterB() || !c.has(scope) {
			return notFound
		}
		return allowed
	}
}

// nodeOfCredential: the contract lets nobody read another user's
// credentials (only list their own, first-party): not found for everyone.
func nodeOfCredential(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	return notFound
}

// revokeOther: "revoke their credentials" is a change of another user
// ("all of" for an application token); an application alone never. The
// credentials of an administrator stay invisible to anyone who may not act
// on it. Decision: any credential needs scope modify.
func revokeOther(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.hasUser() {
		return forbidden
	}
	// Without scope modify the viewer may not revoke another user's
	// credentials, and nobody reads them: not found, like a missing id.
	if !c.managesOthers() || (c.victimAdmin && !c.isAdmin()) || !c.has("modify") {
		return notFound
	}
	return allowed
}

func listUsers(shape ...string) func(col) outcome {
	return func(c col) outcome {
		if o, done := gate(c); done {
			return o
		}
		if !c.has("identity") || !c.readsOthers() || !c.hasAll(shape...) {
			return forbidden
		}
		return allowed
	}
}

func writeOther(shape ...string) func(col) outcome {
	return func(c col) outcome {
		if o, done := gate(c); done {
			return o
		}
		if !c.readsOthers() {
			return notFound
		}
		if !c.writesOthers() || !c.hasAll(shape...) {
			return forbidden
		}
		return allowed
	}
}

// privilegedWrite changes a role, flags or privileges: an administrator.
func privilegedWrite(c col) outcome {
	if o := writeOther()(c); o != allowed {
		return o
	}
	if !c.isAdmin() {
		return forbidden
	}
	return allowed
}

func createUser(asAdmin bool, shape ...string) func(col) outcome {
	return func(c col) outcome {
		if o, done := gate(c); done {
			return o
		}
		if !c.managesOthers() || !c.has("modify") || !c.hasAll(shape...) || (asAdmin && !c.isAdmin()) {
			return forbidden
		}
		return allowed
	}
}

// ban: an administrator; decision: an application token also meets "all
// of" (banning changes another user), and any credential needs modify.
func ban(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.isAdmin() || !c.writesOthers() {
		return forbidden
	}
	return allowed
}

// deleteFileOther: the scope is checked before any lookup (the same
// answer for every id), then another user's file is not found unless the
// viewer manages its owner.
func deleteFileOther(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.hasUser() || !c.has("files") {
		return forbidden
	}
	if !c.looksAfterB() {
		return notFound
	}
	return allowed
}

// setOthersSignatures: the privilege is checked before the user is looked
// up (Maarch documents 403 first; GraphQL follows the same rule), so the
// answer is the same for every id.
func setOthersSignatures(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.writesOthers() {
		return forbidden
	}
	return allowed
}

// attachmentOfOther: the education platform serves only the viewer's own
// files: another user's is 404 for everyone who gets that far.
func attachmentOfOther(c col) outcome {
	if o := readSelf("files")(c); o != allowed {
		return o
	}
	return notFound
}

// readMetrics: /metrics on the main address, for an administrator's own
// (first-party) credential, whatever its scopes.
func readMetrics(c col) outcome {
	if o, done := gate(c); done {
		return o
	}
	if !c.firstParty() || !c.isAdmin() {
		return forbidden
	}
	return allowed
}

func everyone(o outcome) func(col) outcome { return func(col) outcome { return o } }

// downloadLink: the link is the credential; the columns revoked, expired
// and banned use a link of a deleted file, an expired link, and a link of
// a banned user's file.
func downloadLink(c col) outcome {
	switch c.dead {
	case "revoked":
		return notFound
	case "expired":
		return forbidden
	case "banned":
		return notFound
	}
	return allowed
}

// filter guards: a where condition needs what reading its field needs.
type guard int

const (
	guardNone guard = iota
	guardEmail
	guardPersonal
	guardFiles
	guardSignatures
	guardFilesEmail      // a file condition on its owner's e-mail
	guardSignaturesEmail // a signature condition on its owner's e-mail
)

func filtered(g guard) func(col) outcome {
	return func(c col) outcome {
		o := listUsers()(c)
		if o != allowed {
			return o
		}
		ok := true
		switch g {
		case guardEmail:
			ok = c.has("email")
		case guardPersonal:
			ok = c.has("personal")
		case guardFiles:
			ok = c.filtersEveryone() && c.has("files")
		case guardSignatures:
			ok = c.filtersEveryone() && c.has("signatures")
		case guardFilesEmail:
			ok = c.filtersEveryone() && c.hasAll("files", "email")
		case guardSignaturesEmail:
			ok = c.filtersEveryone() && c.hasAll("signatures", "email")
		}
		if !ok {
			return forbidden
		}
		return allowed
	}
}
