package auth

import (
	"userbridge/ent"
	"userbridge/ent/user"
)

// Operator returns the viewer of the administration command line. Whoever
// runs it holds the database's own credentials, so it acts as an
// administrator with every scope through a first-party, consented
// credential. Its user is no row of the store (id 0), so no rule takes a
// target for its own account: the rules for acting on others apply.
func Operator() *Viewer {
	return &Viewer{
		User:      &ent.User{Role: user.RoleAdmin, Status: user.StatusActive},
		Scopes:    AllScopes,
		Consented: true,
		operator:  true,
	}
}

// IsOperator reports whether v is the command line's viewer (Operator); no
// request over HTTP ever is.
func (v *Viewer) IsOperator() bool { return v != nil && v.operator }
