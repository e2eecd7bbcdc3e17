// Package interchange reads and writes the JSON Lines format that moves
// people between userbridge stores and in from the legacy systems: one
// object per line, each with a "type" (user, application, setting),
// optionally gzip-compressed. It knows the format only; what a record means
// for the store is the importer's business.
package interchange

import (
	"time"
)

// Record types.
const (
	TypeUser        = "user"
	TypeApplication = "application"
	TypeSetting     = "setting"
)

// User is one person. Pointers and omitempty mark what a source may leave
// out: an absent field is "not said", which a merge must tell from "empty".
type User struct {
	Type          string     `json:"type"`
	ID            *int       `json:"id,omitempty"`        // this store's primary key: kept by a move into an empty store
	PublicID      *string    `json:"public_id,omitempty"` // likewise
	Email         string     `json:"email"`
	EmailVerified bool       `json:"email_verified"`
	GivenName     *string    `json:"given_name,omitempty"`
	FamilyName    *string    `json:"family_name,omitempty"`
	Name          *string    `json:"name,omitempty"`
	Username      *string    `json:"username,omitempty"`
	Login         *string    `json:"login,omitempty"`
	Role          *string    `json:"role,omitempty"`
	Flags         *int       `json:"flags,omitempty"`
	Privileges    []string   `json:"privileges,omitempty"`
	Status        *string    `json:"status,omitempty"`
	Mode          *string    `json:"mode,omitempty"`
	CreatedAt     *time.Time `json:"created_at,omitempty"`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
	PasswordHash  *Hash      `json:"password_hash,omitempty"`
	// PasswordChangedAt is when the source last set the password (Maarch's
	// password_modification_date): merges compare it instead of updated_at.
	PasswordChangedAt *time.Time   `json:"password_changed_at,omitempty"`
	LegacyIDs         *LegacyIDs   `json:"legacy_ids,omitempty"`
	Avatar            *Content     `json:"avatar,omitempty"`
	Files             []File       `json:"files,omitempty"`
	Signatures        []Signature  `json:"signatures,omitempty"`
	Credentials       []Credential `json:"credentials,omitempty"`
	Consents          []Consent    `json:"consents,omitempty"`
	Banned            *bool        `json:"banned,omitempty"`
}

// Hash is a password hash or an application secret's hash as another
// system stored it, with what is needed to verify it.
type Hash struct {
	Algorithm    string `json:"algorithm"`
	Value        string `json:"value"`
	Salt         string `json:"salt,omitempty"`
	SaltPosition string `json:"salt_position,omitempty"`
	Iterations   int    `json:"iterations,omitempty"`
	Encoding     string `json:"encoding,omitempty"`
}

// LegacyIDs are the ids each dialect's clients know a person by. The
// integer dialects take JSON numbers, the others strings.
type LegacyIDs struct {
	Eduplatform *int64  `json:"eduplatform,omitempty"`
	Edufocus    *string `json:"edufocus,omitempty"`
	Usersv1     *string `json:"usersv1,omitempty"`
	Maarch      *int64  `json:"maarch,omitempty"`
}

// Content is a file's bytes: a path relative to the import's files folder,
// or the bytes inline in base64 (standard alphabet).
type Content struct {
	Path   string `json:"path,omitempty"`
	Base64 string `json:"base64,omitempty"`
	// ID is this store's primary key of the file, written by export and
	// honoured only in a move (so download links and GraphQL ids stay).
	ID *int `json:"id,omitempty"`
}

// File is an education-platform user file.
type File struct {
	Name      string     `json:"name"`
	Nature    string     `json:"nature,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	Content
}

// Signature is a Maarch signature.
type Signature struct {
	ExternalApplication *string    `json:"external_application,omitempty"`
	Format              string     `json:"format"`
	CreatedAt           *time.Time `json:"created_at,omitempty"`
	Content
}

// Credential is a long-lived token a legacy client holds: the token in
// clear (hashed on reading) or its SHA-256 in hex.
type Credential struct {
	ID          *int       `json:"id,omitempty"`
	Kind        string     `json:"kind"`
	Token       string     `json:"token,omitempty"`
	TokenSHA256 string     `json:"token_sha256,omitempty"`
	Application string     `json:"application,omitempty"`
	Scopes      []string   `json:"scopes"`
	Consented   *bool      `json:"consented,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
}

// Consent is what a person approved for an application. The contract's
// format does not list it; export writes it so a move keeps consents, and
// import accepts it.
type Consent struct {
	Application string     `json:"application"`
	Scopes      []string   `json:"scopes"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
}

// Application is an OAuth client, keyed by the 32-character id its
// clients already use.
type Application struct {
	Type         string     `json:"type"`
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Verified     bool       `json:"verified"`
	Permissions  []string   `json:"permissions,omitempty"`
	Public       bool       `json:"public"`
	RedirectURIs []string   `json:"redirect_uris,omitempty"`
	Scopes       []string   `json:"scopes,omitempty"`
	Secret       string     `json:"secret,omitempty"`
	SecretHash   *Hash      `json:"secret_hash,omitempty"`
	CreatedAt    *time.Time `json:"created_at,omitempty"`
}

// Setting is one of the store's own keys (link signing, cursor
// encryption), written by export --include-keys for a move.
type Setting struct {
	Type  string `json:"type"`
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Record is one line read: exactly one of User, Application, Setting.
type Record struct {
	Line        int
	User        *User
	Application *Application
	Setting     *Setting
	// Skipped are contents the source itself left out (a Maarch signature
	// outside its docservers folder), for the report.
	Skipped []Skip
}

// Skip is one content a source left out, and why.
type Skip struct{ Reason, Detail string }

// skimmed is what Reader.SkimUsers decodes of a user line.
type skimmed struct {
	Type      string `json:"type"`
	ID        *int   `json:"id"`
	LegacyIDs *struct {
		Eduplatform *int64 `json:"eduplatform"`
		Maarch      *int64 `json:"maarch"`
	} `json:"legacy_ids"`
}

// MaxLine is the longest line any reader accepts, whatever the service's
// limits: past it, a record is refused unread.
const MaxLine = 1 << 30

// MaxInlineBytes bounds a file export writes inline in base64: larger ones
// need a files folder (export --files-dir).
const MaxInlineBytes = 16 << 20
