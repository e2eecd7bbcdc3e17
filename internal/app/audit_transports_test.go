package app_test

// The store's own events (users, credentials, applications) driven
// through every HTTP transport that offers each action: GraphQL, the
// Users API v1, Edu-Focus, Maarch. Edu-Platform offers none of them (its
// routes read a user and files). The command line's are driven in the
// root package (cli_audit_transports_test.go).

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"userbridge/ent"
	"userbridge/ent/auditevent"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/graph/gid"
	"userbridge/internal/app/apptest"
	"userbridge/internal/auditlog"
	"userbridge/internal/store/db/dbtest"
)

// transportCase is one action through one transport: the events it must
// record (exactly one of each kind of ws, others only of the kinds in
// also), the route all of them name, and the fields each kind names.
type transportCase struct {
	name   string
	act    func(t *testing.T) []want // acts, then says what it expects
	also   []auditlog.Kind
	route  string                   // every event's route, when not in routes
	routes map[auditlog.Kind]string // the route of the events of a kind
	fields map[auditlog.Kind][]string
}

// checkTransportCase runs c on tr and checks its events.
func checkTransportCase(t *testing.T, tr *trail, c transportCase) {
	t.Helper()
	tr.skip(t)
	ws := c.act(t)
	evs := tr.since(t)
	expect(t, evs, c.also, ws...)
	for _, ev := range evs {
		route, ok := c.routes[auditlog.Kind(ev.Kind)]
		if !ok {
			route = c.route
		}
		if ev.Route != route {
			t.Errorf("%s route = %q, want %q", ev.Kind, ev.Route, route)
		}
		if want, ok := c.fields[auditlog.Kind(ev.Kind)]; ok {
			got := slices.Clone(ev.Fields)
			slices.Sort(got)
			want = slices.Clone(want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s fields = %v, want %v", ev.Kind, got, want)
			}
		}
	}
}

// noSecretsStored searches every stored event and every log line for the
// secrets the test used (noSecrets without its sign-in expectations).
func noSecretsStored(t *testing.T, tr *trail) {
	t.Helper()
	all, err := tr.Store.Client.AuditEvent.Query().All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stored, logs := describe(all), tr.logs.String()
	for _, s := range tr.secrets {
		if s == "" {
			continue
		}
		if strings.Contains(stored, s) {
			t.Errorf("secret %q stored in an event", s)
		}
		if strings.Contains(logs, s) {
			t.Errorf("secret %q in the logs", s)
		}
	}
}

const (
	opNamedCreateUser = `mutation CreateUser($in:CreateUserInput!){createUser(input:$in){id}}`
	opNamedUpdateUser = `mutation UpdateUser($id:ID!,$in:UpdateUserInput!){updateUser(id:$id,input:$in){id}}`
	opNamedDeleteUser = `mutation DeleteUser($id:ID!){deleteUser(id:$id)}`
	opNamedViewer     = `mutation UpdateViewer($in:UpdateViewerInput!){updateViewer(input:$in){id}}`
	opNamedDelViewer  = `mutation DeleteViewer{deleteViewer}`
	opNamedBan        = `mutation BanUser($id:ID!){banUser(id:$id){id}}`
	opNamedUnban      = `mutation UnbanUser($id:ID!){unbanUser(id:$id){id}}`
	opNamedCreateKey  = `mutation CreateApiKey($s:[String!]){createApiKey(scopes:$s){token credential{id}}}`
	opNamedRevoke     = `mutation RevokeCredential($id:ID!){revokeCredential(id:$id){id}}`
	opNamedCreateApp  = `mutation CreateApplication($in:ApplicationInput!){createApplication(input:$in){application{clientId} clientSecret}}`
	opNamedUpdateApp  = `mutation UpdateApplication($c:String!,$in:ApplicationInput!){updateApplication(clientId:$c,input:$in){clientId}}`
	opNamedDeleteApp  = `mutation DeleteApplication($c:String!){deleteApplication(clientId:$c)}`
)

// TestAuditEventsThroughEveryTransport drives user creation, change,
// deletion, ban and unban, suspension, password change and reset, role and privilege
// changes, API key mint and revocation, and application create, change and
// delete through each HTTP transport that offers them, and checks for each
// the events' kinds, actor, target, transport, route and fields; then that
// no password, token or secret used reached an event or a log line.
func TestAuditEventsThroughEveryTransport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		tr := newTrail(t, url)
		ctx := context.Background()
		admin := tr.Admin(t, "admin@example.com")
		adminTok := tr.Token(t, admin)
		tr.secrets = append(tr.secrets, adminTok)
		usr := auditevent.ActorKindUser
		byAdmin := func(kind auditlog.Kind, transport, targetType, targetID string) want {
			return want{kind: kind, actorKind: usr, actorUser: admin.PublicID, targetType: targetType,
				targetID: targetID, transport: transport}
		}
		byUser := func(u *ent.User, kind auditlog.Kind, transport, targetType, targetID string) want {
			return want{kind: kind, actorKind: usr, actorUser: u.PublicID, targetType: targetType,
				targetID: targetID, transport: transport}
		}
		gql := func(t *testing.T, tok, op string, vars map[string]any) GraphQLResponseData {
			t.Helper()
			res := tr.GraphQL(t, tok, op, vars)
			if len(res.Errors) > 0 {
				t.Fatalf("%s: %v", op, res.Errors)
			}
			var out GraphQLResponseData
			res.Decode(t, &out)
			return out
		}
		call := func(t *testing.T, method, path, tok string, body any, code int) {
			t.Helper()
			if s, ok := body.(string); ok && s != "" {
				for _, secret := range []string{"new-secret-pass-1", "reset-pass-2", "own-pass-3", "v1-reset-pass-4", "v1-own-pass-5", "maarch-pass-6"} {
					if strings.Contains(s, secret) {
						tr.secrets = append(tr.secrets, secret)
					}
				}
			}
			rec := tr.Do(apptest.Request(method, path, tok, body))
			if rec.Code != code {
				t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
			}
		}
		byEmail := func(t *testing.T, email string) *ent.User {
			t.Helper()
			u, err := tr.Store.Client.User.Query().Where(user.Email(email)).Only(ctx)
			if err != nil {
				t.Fatalf("user %s: %v", email, err)
			}
			return u
		}
		// fresh makes a user for one case, with a live token of theirs.
		fresh := func(t *testing.T, email string) (*ent.User, string) {
			u := tr.User(t, email)
			tok := tr.Token(t, u)
			tr.secrets = append(tr.secrets, tok)
			return u, tok
		}
		lastKey := func(t *testing.T, u *ent.User) *ent.Credential {
			t.Helper()
			c, err := tr.Store.Client.Credential.Query().
				Where(credential.UserID(u.ID), credential.KindEQ(credential.KindAPIKey)).
				Order(ent.Desc(credential.FieldID)).First(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// onlyCredential is the short id of u's one credential.
		onlyCredential := func(t *testing.T, u *ent.User) string {
			t.Helper()
			c, err := tr.Store.Client.Credential.Query().Where(credential.UserID(u.ID)).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return auditlog.CredentialRef(c.ID, c.Kind)
		}
		graphql, v1, eduFocus, maarch := auditlog.TransportGraphQL, auditlog.TransportUsersV1,
			auditlog.TransportEduFocus, auditlog.TransportMaarch
		userT, appT, credT := auditlog.TargetUser, auditlog.TargetApplication, auditlog.TargetCredential
		created := func(w want) []want {
			w.details = map[string]string{"role": "user", "status": "active"}
			return []want{w}
		}

		for _, c := range []transportCase{
			// user.created
			{name: "graphql-createUser", route: "POST /graphql CreateUser", act: func(t *testing.T) []want {
				gql(t, adminTok, opNamedCreateUser, map[string]any{"in": map[string]any{"email": "c-gql@example.com", "password": "new-secret-pass-1", "firstName": "C"}})
				tr.secrets = append(tr.secrets, "new-secret-pass-1")
				u := byEmail(t, "c-gql@example.com")
				return created(byAdmin(auditlog.UserCreated, graphql, userT, u.PublicID))
			}},
			{name: "users-v1-POST", route: "POST /v1/users", act: func(t *testing.T) []want {
				call(t, http.MethodPost, "/v1/users", adminTok, `{"email":"c-v1@example.com","name":"C V","password":"v1-reset-pass-4"}`, http.StatusCreated)
				u := byEmail(t, "c-v1@example.com")
				return created(byAdmin(auditlog.UserCreated, v1, userT, u.PublicID))
			}},
			{name: "maarch-POST", route: "POST /rest/users", act: func(t *testing.T) []want {
				call(t, http.MethodPost, "/rest/users", adminTok, `{"login":"cmaarch","email":"c-maarch@example.com","firstname":"C","lastname":"Maarch"}`, http.StatusOK)
				u := byEmail(t, "c-maarch@example.com")
				return created(byAdmin(auditlog.UserCreated, maarch, userT, u.PublicID))
			}},

			// user.changed
			{name: "graphql-updateUser-names", route: "POST /graphql UpdateUser",
				fields: map[auditlog.Kind][]string{auditlog.UserChanged: {"first_name", "last_name"}},
				act: func(t *testing.T) []want {
					u := tr.User(t, "ch-gql@example.com")
					tr.skip(t)
					gql(t, adminTok, opNamedUpdateUser, map[string]any{"id": gid.Encode(u.ID), "in": map[string]any{"firstName": "New", "lastName": "Name"}})
					return []want{byAdmin(auditlog.UserChanged, graphql, userT, u.PublicID)}
				}},
			{name: "graphql-updateViewer-names", route: "POST /graphql UpdateViewer",
				fields: map[auditlog.Kind][]string{auditlog.UserChanged: {"first_name"}},
				act: func(t *testing.T) []want {
					u, tok := fresh(t, "ch-viewer@example.com")
					tr.skip(t)
					gql(t, tok, opNamedViewer, map[string]any{"in": map[string]any{"firstName": "Me"}})
					return []want{byUser(u, auditlog.UserChanged, graphql, userT, u.PublicID)}
				}},
			{name: "users-v1-PUT-name", route: "PUT /v1/users/{id}",
				fields: map[auditlog.Kind][]string{auditlog.UserChanged: {"display_name", "first_name", "last_name"}}, // the name is split
				act: func(t *testing.T) []want {
					u := tr.User(t, "ch-v1@example.com")
					tr.skip(t)
					call(t, http.MethodPut, v1Path(u), adminTok, `{"name":"Renamed Person"}`, http.StatusOK)
					return []want{byAdmin(auditlog.UserChanged, v1, userT, u.PublicID)}
				}},
			{name: "edu-focus-PATCH-current", route: "PATCH /users/@current",
				fields: map[auditlog.Kind][]string{auditlog.UserChanged: {"first_name", "last_name"}},
				act: func(t *testing.T) []want {
					u, tok := fresh(t, "ch-ef@example.com")
					tr.skip(t)
					call(t, http.MethodPatch, "/users/@current", tok, `{"first_name":"Edu","last_name":"Focus"}`, http.StatusOK)
					return []want{byUser(u, auditlog.UserChanged, eduFocus, userT, u.PublicID)}
				}},

			// user.deleted: the user's credentials go with the row, no event each
			{name: "graphql-deleteUser", route: "POST /graphql DeleteUser", act: func(t *testing.T) []want {
				u, _ := fresh(t, "del-gql@example.com")
				tr.skip(t)
				gql(t, adminTok, opNamedDeleteUser, map[string]any{"id": gid.Encode(u.ID)})
				return []want{byAdmin(auditlog.UserDeleted, graphql, userT, u.PublicID)}
			}},
			{name: "graphql-deleteViewer", route: "POST /graphql DeleteViewer", act: func(t *testing.T) []want {
				u, tok := fresh(t, "del-viewer@example.com")
				tr.skip(t)
				gql(t, tok, opNamedDelViewer, nil)
				return []want{byUser(u, auditlog.UserDeleted, graphql, userT, u.PublicID)}
			}},
			{name: "users-v1-DELETE", route: "DELETE /v1/users/{id}", act: func(t *testing.T) []want {
				u, _ := fresh(t, "del-v1@example.com")
				tr.skip(t)
				call(t, http.MethodDelete, v1Path(u), adminTok, nil, http.StatusNoContent)
				return []want{byAdmin(auditlog.UserDeleted, v1, userT, u.PublicID)}
			}},
			{name: "edu-focus-DELETE-current", route: "DELETE /users/@current", act: func(t *testing.T) []want {
				u, tok := fresh(t, "del-ef@example.com")
				tr.skip(t)
				call(t, http.MethodDelete, "/users/@current", tok, nil, http.StatusOK)
				return []want{byUser(u, auditlog.UserDeleted, eduFocus, userT, u.PublicID)}
			}},

			// user.banned, user.unbanned: the ban revokes the live token
			{name: "graphql-banUser-unbanUser", routes: map[auditlog.Kind]string{
				auditlog.UserBanned: "POST /graphql BanUser", auditlog.CredentialRevoked: "POST /graphql BanUser",
				auditlog.UserUnbanned: "POST /graphql UnbanUser"},
				fields: map[auditlog.Kind][]string{auditlog.UserBanned: {"status"}, auditlog.UserUnbanned: {"status"}},
				act: func(t *testing.T) []want {
					u, _ := fresh(t, "ban-gql2@example.com")
					tr.skip(t)
					gql(t, adminTok, opNamedBan, map[string]any{"id": gid.Encode(u.ID)})
					gql(t, adminTok, opNamedUnban, map[string]any{"id": gid.Encode(u.ID)})
					return []want{byAdmin(auditlog.UserBanned, graphql, userT, u.PublicID),
						byAdmin(auditlog.CredentialRevoked, graphql, credT, onlyCredential(t, u)),
						byAdmin(auditlog.UserUnbanned, graphql, userT, u.PublicID)}
				}},
			{name: "graphql-updateUser-suspend-reactivate", route: "POST /graphql UpdateUser",
				fields: map[auditlog.Kind][]string{auditlog.UserSuspended: {"status"}, auditlog.UserReactivated: {"status"}},
				act: func(t *testing.T) []want {
					u := tr.User(t, "suspend-gql@example.com")
					tr.skip(t)
					for _, status := range []string{"SUSPENDED", "ACTIVE"} {
						gql(t, adminTok, opNamedUpdateUser, map[string]any{"id": gid.Encode(u.ID), "in": map[string]any{"status": status}})
					}
					return []want{byAdmin(auditlog.UserSuspended, graphql, userT, u.PublicID),
						byAdmin(auditlog.UserReactivated, graphql, userT, u.PublicID)}
				}},
			{name: "edu-focus-ban-unban", routes: map[auditlog.Kind]string{
				auditlog.UserBanned: "POST /users/{id}/ban", auditlog.CredentialRevoked: "POST /users/{id}/ban",
				auditlog.UserUnbanned: "DELETE /users/{id}/ban"},
				fields: map[auditlog.Kind][]string{auditlog.UserBanned: {"status"}, auditlog.UserUnbanned: {"status"}},
				act: func(t *testing.T) []want {
					u, _ := fresh(t, "ban-ef2@example.com")
					tr.skip(t)
					call(t, http.MethodPost, "/users/"+u.PublicID+"/ban", adminTok, nil, http.StatusOK)
					call(t, http.MethodDelete, "/users/"+u.PublicID+"/ban", adminTok, nil, http.StatusOK)
					return []want{byAdmin(auditlog.UserBanned, eduFocus, userT, u.PublicID),
						byAdmin(auditlog.CredentialRevoked, eduFocus, credT, onlyCredential(t, u)),
						byAdmin(auditlog.UserUnbanned, eduFocus, userT, u.PublicID)}
				}},

			// user.password_changed (one's own) and user.password_reset (someone else's)
			{name: "graphql-updateViewer-password", route: "POST /graphql UpdateViewer",
				fields: map[auditlog.Kind][]string{auditlog.UserPasswordChanged: {"password_hash"}},
				act: func(t *testing.T) []want {
					u, tok := fresh(t, "pw-viewer@example.com")
					tr.skip(t)
					tr.secrets = append(tr.secrets, "own-pass-3")
					gql(t, tok, opNamedViewer, map[string]any{"in": map[string]any{"password": "own-pass-3", "currentPassword": "password123"}})
					return []want{byUser(u, auditlog.UserPasswordChanged, graphql, userT, u.PublicID)}
				}},
			{name: "users-v1-PUT-own-password", route: "PUT /v1/users/{id}",
				fields: map[auditlog.Kind][]string{auditlog.UserPasswordChanged: {"password_hash"}},
				act: func(t *testing.T) []want {
					u, tok := fresh(t, "pw-v1own@example.com")
					tr.skip(t)
					call(t, http.MethodPut, v1Path(u), tok, `{"password":"v1-own-pass-5","current_password":"password123"}`, http.StatusOK)
					return []want{byUser(u, auditlog.UserPasswordChanged, v1, userT, u.PublicID)}
				}},
			{name: "graphql-updateUser-password", route: "POST /graphql UpdateUser",
				fields: map[auditlog.Kind][]string{auditlog.UserPasswordReset: {"password_hash"}},
				act: func(t *testing.T) []want {
					u := tr.User(t, "pw-gql@example.com")
					tr.skip(t)
					tr.secrets = append(tr.secrets, "reset-pass-2")
					gql(t, adminTok, opNamedUpdateUser, map[string]any{"id": gid.Encode(u.ID), "in": map[string]any{"password": "reset-pass-2"}})
					return []want{byAdmin(auditlog.UserPasswordReset, graphql, userT, u.PublicID)}
				}},
			{name: "users-v1-PUT-password", route: "PUT /v1/users/{id}",
				fields: map[auditlog.Kind][]string{auditlog.UserPasswordReset: {"password_hash"}},
				act: func(t *testing.T) []want {
					u := tr.User(t, "pw-v1@example.com")
					tr.skip(t)
					call(t, http.MethodPut, v1Path(u), adminTok, `{"password":"v1-reset-pass-4"}`, http.StatusOK)
					return []want{byAdmin(auditlog.UserPasswordReset, v1, userT, u.PublicID)}
				}},

			// user.role_changed, user.privileges_changed
			{name: "graphql-updateUser-role", route: "POST /graphql UpdateUser",
				fields: map[auditlog.Kind][]string{auditlog.UserRoleChanged: {"role"}},
				act: func(t *testing.T) []want {
					u := tr.User(t, "role-gql@example.com")
					tr.skip(t)
					gql(t, adminTok, opNamedUpdateUser, map[string]any{"id": gid.Encode(u.ID), "in": map[string]any{"role": "ADMIN"}})
					w := byAdmin(auditlog.UserRoleChanged, graphql, userT, u.PublicID)
					w.details = map[string]string{"role": "admin"}
					return []want{w}
				}},
			{name: "users-v1-PUT-role", route: "PUT /v1/users/{id}",
				fields: map[auditlog.Kind][]string{auditlog.UserRoleChanged: {"role"}},
				act: func(t *testing.T) []want {
					u := tr.User(t, "role-v1@example.com")
					tr.skip(t)
					call(t, http.MethodPut, v1Path(u), adminTok, `{"role":"admin"}`, http.StatusOK)
					w := byAdmin(auditlog.UserRoleChanged, v1, userT, u.PublicID)
					w.details = map[string]string{"role": "admin"}
					return []want{w}
				}},
			{name: "graphql-updateUser-privileges", route: "POST /graphql UpdateUser",
				fields: map[auditlog.Kind][]string{auditlog.UserPrivilegesChanged: {"privileges"}},
				act: func(t *testing.T) []want {
					u := tr.User(t, "priv-gql@example.com")
					tr.skip(t)
					gql(t, adminTok, opNamedUpdateUser, map[string]any{"id": gid.Encode(u.ID), "in": map[string]any{"privileges": []string{"manage_users"}}})
					w := byAdmin(auditlog.UserPrivilegesChanged, graphql, userT, u.PublicID)
					w.details = map[string]string{"privileges": "manage_users"}
					return []want{w}
				}},

			// credential.minted, credential.revoked
			{name: "graphql-createApiKey-revokeCredential", routes: map[auditlog.Kind]string{
				auditlog.CredentialMinted: "POST /graphql CreateApiKey", auditlog.CredentialRevoked: "POST /graphql RevokeCredential"},
				act: func(t *testing.T) []want {
					u, tok := fresh(t, "key-gql@example.com")
					tr.skip(t)
					out := gql(t, tok, opNamedCreateKey, map[string]any{"s": []string{"identity"}})
					tr.secrets = append(tr.secrets, out.CreateAPIKey.Token)
					key := lastKey(t, u)
					gql(t, tok, opNamedRevoke, map[string]any{"id": gid.Encode(key.ID)})
					ref := auditlog.CredentialRef(key.ID, credential.KindAPIKey)
					minted := byUser(u, auditlog.CredentialMinted, graphql, credT, ref)
					minted.details = map[string]string{"credential_kind": "api_key", "scopes": "identity"}
					return []want{minted, byUser(u, auditlog.CredentialRevoked, graphql, credT, ref)}
				}},

			// application.created, .changed, .deleted
			{name: "graphql-createApplication-update-delete", routes: map[auditlog.Kind]string{
				auditlog.ApplicationCreated: "POST /graphql CreateApplication", auditlog.ApplicationChanged: "POST /graphql UpdateApplication",
				auditlog.ApplicationDeleted: "POST /graphql DeleteApplication"},
				// updateApplication replaces every setting; the event names those it changed.
				fields: map[auditlog.Kind][]string{auditlog.ApplicationChanged: {"name"}},
				act: func(t *testing.T) []want {
					res := tr.GraphQL(t, adminTok, opNamedCreateApp, map[string]any{"in": map[string]any{"name": "Reports", "verified": true}})
					if len(res.Errors) > 0 {
						t.Fatal(res.Errors)
					}
					var out struct {
						CreateApplication struct {
							Application  struct{ ClientID string }
							ClientSecret string
						}
					}
					res.Decode(t, &out)
					tr.secrets = append(tr.secrets, out.CreateApplication.ClientSecret)
					id := out.CreateApplication.Application.ClientID
					gql(t, adminTok, opNamedUpdateApp, map[string]any{"c": id, "in": map[string]any{"name": "Reports 2", "verified": true}})
					gql(t, adminTok, opNamedDeleteApp, map[string]any{"c": id})
					return []want{byAdmin(auditlog.ApplicationCreated, graphql, appT, id),
						byAdmin(auditlog.ApplicationChanged, graphql, appT, id),
						byAdmin(auditlog.ApplicationDeleted, graphql, appT, id)}
				}},
		} {
			t.Run(c.name, func(t *testing.T) { checkTransportCase(t, tr, c) })
		}

		t.Run("no-secret-in-any-event-or-log-line", func(t *testing.T) { noSecretsStored(t, tr) })
	})
}

// GraphQLResponseData holds what the cases read of a mutation's answer.
type GraphQLResponseData struct {
	CreateAPIKey struct{ Token string } `json:"createApiKey"`
}
