package accounts

// Reasons of the invalid and rate-limited errors of the account rules:
// the stable codes the transports map to their own spelling (the taken
// ones are in unique.go, ReasonInvalidCredentials in login.go). A name
// field's reason is "invalid_" followed by the field ("invalid_first_name").
const (
	ReasonInvalidEmail         = "invalid_email"
	ReasonPasswordTooShort     = "password_too_short"
	ReasonPasswordTooLong      = "password_too_long"
	ReasonUsernameRefused      = "unauthorized_username"
	ReasonInvalidLogin         = "invalid_login"
	ReasonInvalidName          = "invalid_name"
	ReasonInvalidRole          = "invalid_role"
	ReasonInvalidStatus        = "invalid_status"
	ReasonInvalidFlags         = "invalid_flags"
	ReasonWrongCurrentPassword = "invalid_current_password"
	ReasonLoginRateLimited     = "rate_limited"
	ReasonInvalidLifetime      = "invalid_lifetime"
	ReasonInvalidScope         = "invalid_scope"
)
