package policy_test

import (
	"testing"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

var (
	alice   = &ent.User{ID: 1, Role: user.RoleUser}
	bob     = &ent.User{ID: 2, Role: user.RoleUser}
	manager = &ent.User{ID: 3, Role: user.RoleUser, Privileges: []string{policy.PrivilegeManageUsers}}
	admin   = &ent.User{ID: 4, Role: user.RoleAdmin, Flags: 1}
	admin2  = &ent.User{ID: 5, Role: user.RoleAdmin, Flags: 1}
)

func firstParty(u *ent.User) *auth.Viewer {
	return &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
}

func narrowed(u *ent.User, scopes ...string) *auth.Viewer {
	return &auth.Viewer{User: u, Scopes: scopes, Consented: true}
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
	trusted := &ent.Application{Verified: true, Permissions: []string{policy.PermUsersRead, policy.PermUsersWrite}}
	all := auth.AllScopes
	grants := policy.Change{Grants: true}
	password := policy.Change{Password: true}

	cases := []struct {
		name string
		err  error
		want string
	}{
		{"anyone reads itself", policy.ReadUser(firstParty(alice), alice), "allowed"},
		{"a user cannot see another", policy.ReadUser(firstParty(alice), bob), "not found"},
		{"manage_users reads others", policy.ReadUser(firstParty(manager), bob), "allowed"},
		{"an app with users:read reads others", policy.ReadUser(&auth.Viewer{App: reader, Scopes: auth.AppOnlyScopes}, bob), "allowed"},
		{"a manager's token for an app without users:read reads no one else", policy.ReadUser(viaApp(manager, verifiedWriter, true, all...), bob), "not found"},
		{"no identity scope reads nothing", policy.ReadUser(viaApp(alice, reader, true), alice), policy.ReasonMissingScope},
		{"anonymous is unauthenticated", policy.ReadUser(nil, alice), auth.ReasonMissing},
		{"email needs scope email", policy.ReadField(viaApp(alice, reader, true, "identity"), "email"), policy.ReasonMissingScope},
		{"login needs scope email", policy.ReadField(viaApp(alice, reader, true, "identity"), "login"), policy.ReasonMissingScope},
		{"names need scope personal", policy.ReadField(viaApp(alice, reader, true, "identity", "email"), "first_name"), policy.ReasonMissingScope},
		{"modify needs scope modify", policy.ModifySelf(viaApp(alice, verifiedWriter, true, "identity")), policy.ReasonMissingScope},
		{"modify needs a verified application", policy.ModifySelf(viaApp(alice, unverified, true, "modify")), policy.ReasonUnverifiedApp},
		{"modify needs users:write", policy.ModifySelf(viaApp(alice, &ent.Application{Verified: true}, true, "modify")), policy.ReasonMissingPermission},
		{"a verified writer may modify", policy.ModifySelf(viaApp(alice, verifiedWriter, false, "modify")), "allowed"},
		{"an app token may not change the e-mail", policy.UpdateUser(viaApp(alice, verifiedWriter, true, all...), alice, policy.Change{Email: true}), policy.ReasonFirstParty},
		{"an app token may not change the password", policy.UpdateUser(viaApp(alice, verifiedWriter, true, all...), alice, password), policy.ReasonFirstParty},
		{"a first-party key changes its password", policy.UpdateUser(firstParty(alice), alice, password), "allowed"},
		{"a key without modify changes no password", policy.UpdateUser(narrowed(alice, "identity"), alice, password), policy.ReasonMissingScope},
		{"a user may not change its own role", policy.UpdateUser(firstParty(alice), alice, grants), policy.ReasonSelfRoleOrStatus},
		{"a manager may not change its own privileges", policy.UpdateUser(firstParty(manager), manager, grants), policy.ReasonSelfRoleOrStatus},
		{"an admin may change its own role", policy.UpdateUser(firstParty(admin), admin, grants), "allowed"},
		{"changing another needs manage_users", policy.UpdateUser(firstParty(alice), bob, policy.Change{}), "not found"},
		{"a manager changes another", policy.UpdateUser(firstParty(manager), bob, policy.Change{Standing: true}), "allowed"},
		{"a manager resets another's password", policy.UpdateUser(firstParty(manager), bob, password), "allowed"},
		{"a manager may not change another's role", policy.UpdateUser(firstParty(manager), bob, grants), policy.ReasonAdminRequired},
		{"a manager may not reset an administrator's password", policy.UpdateUser(firstParty(manager), admin, password), policy.ReasonAdminRequired},
		{"a manager's key without modify changes no one", policy.UpdateUser(narrowed(manager, "identity"), bob, policy.Change{}), policy.ReasonMissingScope},
		{"an administrator resets another administrator's password", policy.UpdateUser(firstParty(admin), admin2, password), "allowed"},
		{"an unverified app's admin token changes no one", policy.UpdateUser(viaApp(admin, &ent.Application{Permissions: []string{policy.PermUsersRead, policy.PermUsersWrite}}, true, all...), bob, password), policy.ReasonUnverifiedApp},
		{"an unconsented admin token changes no one", policy.UpdateUser(viaApp(admin, trusted, false, all...), bob, password), policy.ReasonConsentRequired},
		{"an identity-only admin token changes no one", policy.UpdateUser(viaApp(admin, trusted, true, "identity"), bob, password), policy.ReasonMissingScope},
		{"an app without users:write changes no one", policy.UpdateUser(viaApp(admin, &ent.Application{Verified: true, Permissions: []string{policy.PermUsersRead}}, true, all...), bob, password), policy.ReasonMissingPermission},
		{"an app without either permission does not see others", policy.UpdateUser(viaApp(admin, &ent.Application{Verified: true}, true, all...), bob, password), "not found"},
		{"a trusted app's admin token changes others", policy.UpdateUser(viaApp(admin, trusted, true, all...), bob, password), "allowed"},
		{"a trusted app's manager token may not touch an administrator", policy.UpdateUser(viaApp(manager, trusted, true, all...), admin, password), policy.ReasonAdminRequired},
		{"an application alone changes no one", policy.UpdateUser(&auth.Viewer{App: trusted, Scopes: auth.AppOnlyScopes}, bob, policy.Change{}), policy.ReasonAppAlone},
		{"creating needs manage_users", policy.CreateUser(firstParty(alice)), policy.ReasonPrivilege},
		{"an application alone creates no one", policy.CreateUser(&auth.Viewer{App: trusted, Scopes: auth.AppOnlyScopes}), policy.ReasonAppAlone},
		{"granting admin needs an admin", policy.GrantAdmin(firstParty(manager)), policy.ReasonAdminRequired},
		{"deleting oneself needs consent", policy.DeleteSelf(viaApp(alice, verifiedWriter, false, "identity")), policy.ReasonConsentRequired},
		{"deleting oneself through an app needs users:write", policy.DeleteSelf(viaApp(alice, reader, true)), policy.ReasonMissingPermission},
		{"first-party deletes itself", policy.DeleteSelf(firstParty(alice)), "allowed"},
		{"a first-party key without modify deletes nothing", policy.DeleteSelf(narrowed(alice, "identity")), policy.ReasonMissingScope},
		{"an admin cannot delete itself as another user", policy.DeleteUser(firstParty(admin), admin), policy.ReasonSelfDelete},
		{"a manager deletes a user", policy.DeleteUser(firstParty(manager), bob), "allowed"},
		{"a manager may not delete an administrator", policy.DeleteUser(firstParty(manager), admin), policy.ReasonAdminRequired},
		{"banning needs an admin", policy.Ban(firstParty(manager), bob), policy.ReasonAdminRequired},
		{"banning needs consent", policy.Ban(viaApp(admin, verifiedWriter, false, all...), bob), policy.ReasonConsentRequired},
		{"banning needs a verified application", policy.Ban(viaApp(admin, unverified, true, all...), bob), policy.ReasonUnverifiedApp},
		{"banning needs scope modify", policy.Ban(narrowed(admin, "identity"), bob), policy.ReasonMissingScope},
		{"an admin bans with consent", policy.Ban(firstParty(admin), bob), "allowed"},
		{"another's file is not found", policy.ReadOwned(firstParty(alice), bob), "not found"},
		{"a manager does not see an administrator's file", policy.ReadOwned(firstParty(manager), admin), "not found"},
		{"an administrator sees another administrator's file", policy.ReadOwned(firstParty(admin), admin2), "allowed"},
		{"a manager sees another's file", policy.ReadOwned(firstParty(manager), bob), "allowed"},
		{"a manager's read-only key sees another's files", policy.ReadFiles(narrowed(manager, "identity", "files"), bob), "allowed"},
		{"a manager's read-only key deletes none of them", policy.WriteFiles(narrowed(manager, "identity", "files"), bob), policy.ReasonMissingScope},
		{"an app reading users sees no one's files", policy.ReadOwned(viaApp(admin, reader, true, all...), bob), "not found"},
		{"a manager may not delete an administrator's files (it does not see them)", policy.WriteFiles(firstParty(manager), admin), "not found"},
		{"a manager may not replace an administrator's signatures", policy.SignaturesOf(firstParty(manager), admin), policy.ReasonAdminRequired},
		{"a user replaces its own signatures with scope signatures", policy.ManageSignatures(narrowed(alice, "signatures"), alice.ID), "allowed"},
		{"an unconsented app token replaces no one's signatures", policy.ManageSignatures(viaApp(admin, trusted, false, all...), bob.ID), policy.ReasonConsentRequired},
		{"an app token mints no key", policy.OwnCredentials(viaApp(alice, trusted, true, all...)), policy.ReasonFirstParty},
		{"a narrowed first-party key mints keys", policy.OwnCredentials(narrowed(alice, "identity")), "allowed"},
		{"an app token sees none of its user's credentials", policy.ReadCredential(viaApp(alice, trusted, true, all...), &ent.Credential{UserID: &alice.ID}), "not found"},
		{"a manager may not revoke an administrator's credential, not found", policy.RevokeCredential(firstParty(manager), &ent.Credential{UserID: &admin.ID}, admin), "not found"},
		{"a manager revokes a user's credential", policy.RevokeCredential(firstParty(manager), &ent.Credential{UserID: &bob.ID}, bob), "allowed"},
		{"a manager's read-only key revokes nothing, and finds none of another's", policy.RevokeCredential(narrowed(manager, "identity"), &ent.Credential{UserID: &bob.ID}, bob), "not found"},
		{"an administrator reads no other user's credential", policy.ReadCredential(firstParty(admin), &ent.Credential{UserID: &bob.ID}), "not found"},
		{"a first-party credential reads its own user's credentials", policy.ReadCredential(narrowed(alice, "identity"), &ent.Credential{UserID: &alice.ID}), "allowed"},
		{"a narrowed key mints no wider key", policy.MintAPIKey(narrowed(alice, "identity"), []string{"identity", "email"}), policy.ReasonMissingScope},
		{"a key mints a key within its scopes", policy.MintAPIKey(narrowed(alice, "identity", "email"), []string{"email"}), "allowed"},
		{"an app token without users:write bans no one", policy.Ban(viaApp(admin, &ent.Application{Verified: true, Permissions: []string{policy.PermUsersRead}}, true, all...), bob), policy.ReasonMissingPermission},
		{"a legacy shape with e-mail needs scope email", policy.ReadFields(narrowed(admin, "identity", "personal"), "first_name", "email"), policy.ReasonMissingScope},
		{"a legacy shape with a login needs scope email", policy.ReadFields(narrowed(admin, "identity", "personal"), "login"), policy.ReasonMissingScope},
		{"files of a visible user an app may not manage are forbidden", policy.FilesOf(viaApp(admin, verifiedWriter, false, all...), bob), policy.ReasonPrivilege},
		{"files of oneself stay readable", policy.FilesOf(narrowed(alice, "identity", "files"), alice), "allowed"},
		{"a banned owner's download is not found", policy.ServeFile(&ent.User{Status: user.StatusBanned}), "not found"},
		{"an active owner's download is served", policy.ServeFile(&ent.User{Status: user.StatusActive}), "allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := reason(c.err); got != c.want {
				t.Fatalf("got %s (%v), want %s", got, c.err, c.want)
			}
		})
	}
}
