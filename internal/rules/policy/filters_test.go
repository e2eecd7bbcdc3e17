package policy_test

import (
	"testing"

	"userbridge/ent"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

func TestFilter(t *testing.T) {
	reader := &ent.Application{Verified: true, Permissions: []string{policy.PermUsersRead}}
	appAlone := &auth.Viewer{App: reader, Scopes: auth.AppOnlyScopes}
	listed := func(of, field string) []policy.FilterRead {
		return []policy.FilterRead{{Owner: policy.EveryListedUser, Of: of, Field: field}}
	}
	under := func(owner int, of, field string) []policy.FilterRead {
		return []policy.FilterRead{{Owner: owner, Of: of, Field: field}}
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"anonymous filters nothing", policy.Filter(nil, listed(policy.OfUser, "role")), auth.ReasonMissing},
		{"a visible field filters with identity", policy.Filter(viaApp(alice, reader, true, "identity"), listed(policy.OfUser, "role")), "allowed"},
		{"e-mail needs scope email", policy.Filter(viaApp(alice, reader, true, "identity"), listed(policy.OfUser, "email")), policy.ReasonMissingScope},
		{"login needs scope email", policy.Filter(viaApp(alice, reader, true, "identity", "personal"), listed(policy.OfUser, "login")), policy.ReasonMissingScope},
		{"names need scope personal", policy.Filter(viaApp(alice, reader, true, "identity", "email"), listed(policy.OfUser, "first_name")), policy.ReasonMissingScope},
		{"with the scope the e-mail filters", policy.Filter(viaApp(alice, reader, true, "identity", "email"), listed(policy.OfUser, "email")), "allowed"},
		{"an application alone filters names", policy.Filter(appAlone, listed(policy.OfUser, "last_name")), "allowed"},
		{"an unclassified field is refused", policy.Filter(firstParty(admin), listed(policy.OfUser, "password_hash")), "not_filterable"},
		{"an unknown edge is refused", policy.Filter(firstParty(admin), listed("applications", "")), "not_filterable"},
		{"users:read does not show others' files", policy.Filter(viaApp(alice, reader, true, auth.AllScopes...), listed(policy.OfFiles, "name")), policy.ReasonPrivilege},
		{"users:read does not show whether others have files", policy.Filter(appAlone, listed(policy.OfFiles, "")), policy.ReasonMissingScope},
		{"users:read does not show others' signatures", policy.Filter(viaApp(alice, reader, true, auth.AllScopes...), listed(policy.OfSignatures, "")), policy.ReasonPrivilege},
		{"an administrator filters every user on files", policy.Filter(firstParty(admin), listed(policy.OfFiles, "name")), "allowed"},
		{"a manager may not filter every user on files (an administrator's are hidden)", policy.Filter(firstParty(manager), listed(policy.OfFiles, "name")), policy.ReasonAdminRequired},
		{"a manager without scope files does not", policy.Filter(viaApp(manager, reader, true, "identity"), listed(policy.OfFiles, "name")), policy.ReasonMissingScope},
		{"the avatar filters with the user", policy.Filter(viaApp(alice, reader, true, "identity"), listed(policy.OfAvatar, "name")), "allowed"},
		{"one's own files filter", policy.Filter(firstParty(alice), under(alice.ID, policy.OfFiles, "size")), "allowed"},
		{"another's files do not", policy.Filter(firstParty(alice), under(bob.ID, policy.OfFiles, "size")), policy.ReasonPrivilege},
		{"credentials need a first-party credential", policy.Filter(viaApp(alice, reader, true, auth.AllScopes...), under(alice.ID, policy.OfCredentials, "")), policy.ReasonPrivilege},
		{"one's own credentials filter", policy.Filter(firstParty(alice), under(alice.ID, policy.OfCredentials, "kind")), "allowed"},
		{"token hashes never filter", policy.Filter(firstParty(admin), under(admin.ID, policy.OfCredentials, "token_hash")), "not_filterable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := reason(c.err); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestReadNode(t *testing.T) {
	reader := &ent.Application{Verified: true, Permissions: []string{policy.PermUsersRead}}
	bobsFile := &ent.File{ID: 10, OwnerID: bob.ID, Edges: ent.FileEdges{Owner: bob}}
	adminsFile := &ent.File{ID: 11, OwnerID: admin.ID, Edges: ent.FileEdges{Owner: admin}}
	unloaded := &ent.File{ID: 12, OwnerID: bob.ID}
	alicesFile := &ent.File{ID: 11, OwnerID: alice.ID}
	bobsKey := &ent.Credential{ID: 12, UserID: &bob.ID}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"anonymous is unauthenticated", policy.ReadNode(nil, bob), auth.ReasonMissing},
		{"another user is not found", policy.ReadNode(firstParty(alice), bob), "not found"},
		{"another's file is not found", policy.ReadNode(firstParty(alice), bobsFile), "not found"},
		{"another's credential is not found", policy.ReadNode(firstParty(alice), bobsKey), "not found"},
		{"users:read shows users", policy.ReadNode(viaApp(alice, reader, true, "identity"), bob), "allowed"},
		{"users:read does not show files", policy.ReadNode(viaApp(alice, reader, true, auth.AllScopes...), bobsFile), "not found"},
		{"a missing scope on another's object is not found", policy.ReadNode(viaApp(alice, reader, true, "files"), bob), "not found"},
		{"a missing scope on one's own object is forbidden", policy.ReadNode(viaApp(alice, reader, true, "identity"), alicesFile), policy.ReasonMissingScope},
		{"a manager without scope files: another's file is not found", policy.ReadNode(viaApp(manager, reader, true, "identity"), bobsFile), "not found"},
		{"an application's token sees no credential", policy.ReadNode(viaApp(bob, reader, true, auth.AllScopes...), bobsKey), "not found"},
		{"a manager sees others' files", policy.ReadNode(firstParty(manager), bobsFile), "allowed"},
		{"a manager does not see an administrator's file", policy.ReadNode(firstParty(manager), adminsFile), "not found"},
		{"a manager sees nothing of a file whose owner was not loaded", policy.ReadNode(firstParty(manager), unloaded), "not found"},
		{"an administrator sees an administrator's file", policy.ReadNode(firstParty(admin2), adminsFile), "allowed"},
		{"an administrator does not see another's credential", policy.ReadNode(firstParty(admin), bobsKey), "not found"},
		{"one sees one's own credential, first-party", policy.ReadNode(firstParty(bob), bobsKey), "allowed"},
		{"one sees one's own file", policy.ReadNode(firstParty(alice), alicesFile), "allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := reason(c.err); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}
