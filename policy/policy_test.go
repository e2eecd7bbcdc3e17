package policy_test

import (
	"testing"

	"userbridge/apperr"
	"userbridge/auth"
	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/policy"
)

var (
	alice   = &ent.User{ID: 1, Role: user.RoleUser}
	bob     = &ent.User{ID: 2, Role: user.RoleUser}
	manager = &ent.User{ID: 3, Role: user.RoleUser, Privileges: []string{policy.PrivilegeManageUsers}}
	admin   = &ent.User{ID: 4, Role: user.RoleAdmin, Flags: 1}
)

func firstParty(u *ent.User) *auth.Viewer {
	return &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
}

func viaApp(u *ent.User, app *ent.Application, consented bool, scopes ...string) *auth.Viewer {
	return &auth.Viewer{User: u, App: app, Scopes: scopes, Consented: consented}
}

func reason(err error) string {
	if err == nil {
		return "allowed"
	}
	e := apperr.As(err)
	if e.Kind == apperr.NotFound {
		return "not found"
	}
	return e.Reason
}

func TestPolicy(t *testing.T) {
	verifiedWriter := &ent.Application{Verified: true, Permissions: []string{policy.PermUsersWrite}}
	unverified := &ent.Application{Verified: false, Permissions: []string{policy.PermUsersWrite}}
	reader := &ent.Application{Permissions: []string{policy.PermUsersRead}}

	cases := []struct {
		name string
		err  error
		want string
	}{
		{"anyone reads itself", policy.ReadUser(firstParty(alice), alice), "allowed"},
		{"a user cannot see another", policy.ReadUser(firstParty(alice), bob), "not found"},
		{"manage_users reads others", policy.ReadUser(firstParty(manager), bob), "allowed"},
		{"an app with users:read reads others", policy.ReadUser(&auth.Viewer{App: reader, Scopes: auth.AppOnlyScopes}, bob), "allowed"},
		{"no identity scope reads nothing", policy.ReadUser(viaApp(alice, reader, true), alice), policy.ReasonMissingScope},
		{"anonymous is unauthenticated", policy.ReadUser(nil, alice), auth.ReasonMissing},
		{"email needs scope email", policy.ReadField(viaApp(alice, reader, true, "identity"), "email"), policy.ReasonMissingScope},
		{"names need scope personal", policy.ReadField(viaApp(alice, reader, true, "identity", "email"), "first_name"), policy.ReasonMissingScope},
		{"modify needs scope modify", policy.ModifySelf(viaApp(alice, verifiedWriter, true, "identity")), policy.ReasonMissingScope},
		{"modify needs a verified application", policy.ModifySelf(viaApp(alice, unverified, true, "modify")), policy.ReasonUnverifiedApp},
		{"modify needs users:write", policy.ModifySelf(viaApp(alice, &ent.Application{Verified: true}, true, "modify")), policy.ReasonMissingPermission},
		{"a verified writer may modify", policy.ModifySelf(viaApp(alice, verifiedWriter, false, "modify")), "allowed"},
		{"a user may not change its own role", policy.UpdateUser(firstParty(alice), alice, true), policy.ReasonSelfRoleOrStatus},
		{"an admin may change its own role", policy.UpdateUser(firstParty(admin), admin, true), "allowed"},
		{"changing another needs manage_users", policy.UpdateUser(firstParty(alice), bob, false), "not found"},
		{"a manager changes another", policy.UpdateUser(firstParty(manager), bob, true), "allowed"},
		{"granting admin needs an admin", policy.GrantAdmin(firstParty(manager)), policy.ReasonAdminRequired},
		{"deleting oneself needs consent", policy.DeleteSelf(viaApp(alice, verifiedWriter, false, "identity")), policy.ReasonConsentRequired},
		{"deleting oneself through an app needs users:write", policy.DeleteSelf(viaApp(alice, reader, true)), policy.ReasonMissingPermission},
		{"first-party deletes itself", policy.DeleteSelf(firstParty(alice)), "allowed"},
		{"an admin cannot delete itself as another user", policy.DeleteUser(firstParty(admin), admin), policy.ReasonSelfDelete},
		{"banning needs an admin", policy.Ban(firstParty(manager), bob), policy.ReasonAdminRequired},
		{"banning needs consent", policy.Ban(viaApp(admin, verifiedWriter, false, auth.AllScopes...), bob), policy.ReasonConsentRequired},
		{"an admin bans with consent", policy.Ban(firstParty(admin), bob), "allowed"},
		{"another's file is not found", policy.ReadOwned(firstParty(alice), bob.ID), "not found"},
		{"a manager sees another's file", policy.ReadOwned(firstParty(manager), bob.ID), "allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := reason(c.err); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}
