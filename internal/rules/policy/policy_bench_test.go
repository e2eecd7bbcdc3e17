package policy_test

import (
	"testing"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// The checks every read runs, allowed and refused: allowed checks should
// not allocate; refusals allocate their error.
func BenchmarkPolicy(b *testing.B) {
	self := &ent.User{ID: 10, Role: user.RoleUser}
	other := &ent.User{ID: 11, Role: user.RoleUser}
	mgr := &ent.User{ID: 12, Role: user.RoleUser, Privileges: []string{policy.PrivilegeManageUsers}}
	reader := &ent.Application{ID: 1, Permissions: []string{policy.PermUsersRead}}
	selfV := &auth.Viewer{User: self, Scopes: auth.AllScopes, Consented: true}
	mgrV := &auth.Viewer{User: mgr, Scopes: auth.AllScopes, Consented: true}
	appV := &auth.Viewer{User: self, App: reader, Scopes: []string{auth.ScopeIdentity}}
	cases := []struct {
		name    string
		allowed bool
		check   func() error
	}{
		{"ReadUser/self", true, func() error { return policy.ReadUser(selfV, self) }},
		{"ReadUser/manager", true, func() error { return policy.ReadUser(mgrV, other) }},
		{"ReadUser/application", true, func() error { return policy.ReadUser(appV, other) }},
		{"ReadUser/other-not-found", false, func() error { return policy.ReadUser(selfV, other) }},
		{"ReadField/email", true, func() error { return policy.ReadField(selfV, "email") }},
		{"ReadField/email-missing-scope", false, func() error { return policy.ReadField(appV, "email") }},
		{"ListUsers/manager", true, func() error { return policy.ListUsers(mgrV) }},
		{"ListUsers/forbidden", false, func() error { return policy.ListUsers(selfV) }},
		{"ReadOwned/self", true, func() error { return policy.ReadOwned(selfV, self) }},
		{"ModifySelf/first-party", true, func() error { return policy.ModifySelf(selfV) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.check(); (err == nil) != c.allowed {
					b.Fatalf("allowed %v, err %v", c.allowed, err)
				}
			}
		})
	}
}
