package auditlog

import (
	"context"
	"reflect"
	"slices"
	"strings"

	"userbridge/ent"
	"userbridge/ent/application"
	"userbridge/ent/credential"
	"userbridge/ent/user"
)

// The ent hooks record the "changed" events once for every writer (every
// dialect, GraphQL, OAuth, the command line), in the mutation's own
// transaction: one event per mutation, of its most telling kind (a ban
// before a password, a password before a role, a role before any other
// change), naming every field the mutation wrote. They read nothing on the
// writes that need nothing (a user's names): the target's public id comes
// from ent's read-back of the row; only a status change, a delete and a
// revocation of many credentials read the rows they name first.

// derived are the user's columns that hooks compute from others: a change
// of email is a change of email, not of email_key too.
// The avatar is the files' business, which the trail leaves out: adopting
// one is no change of the user's own.
var derived = map[string]bool{
	user.FieldEmailKey: true, user.FieldUsernameKey: true, user.FieldUpdatedAt: true,
	user.FieldImportTimes: true, user.FieldSessionsRevokedAt: true, user.FieldAvatarID: true,
}

// userHook records user.created, user.deleted and, on an update of one
// user, the kind its fields tell (userKind).
func userHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		um, ok := m.(*ent.UserMutation)
		if !ok || quiet(ctx) {
			return next.Mutate(ctx, m)
		}
		switch {
		case m.Op().Is(ent.OpCreate):
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			u := v.(*ent.User)
			return v, record(ctx, um.AuditEvents(), Event{Kind: UserCreated, Target: UserTarget(u),
				Details: map[string]string{"role": string(u.Role), "status": string(u.Status)}})
		case m.Op().Is(ent.OpUpdateOne):
			fields := changed(m)
			if len(fields) == 0 {
				return next.Mutate(ctx, m)
			}
			// The event names what changed, not what a writer set to the
			// value it had (a name split into a first name and an empty
			// last name that was empty). The writers update the row they
			// read (UpdateOne), whose old values ent keeps: no read.
			fields, err := differing(ctx, um, fields)
			if err != nil {
				return nil, err
			}
			if len(fields) == 0 {
				return next.Mutate(ctx, m)
			}
			var old user.Status
			if slices.Contains(fields, user.FieldStatus) {
				var err error
				if old, err = um.OldStatus(ctx); err != nil {
					return nil, err
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			u := v.(*ent.User)
			e := Event{Kind: userKind(ctx, fields, old, u), Target: UserTarget(u), Fields: fields}
			if slices.Contains(fields, user.FieldRole) || slices.Contains(fields, user.FieldPrivileges) {
				e.Details = map[string]string{"role": string(u.Role), "privileges": strings.Join(u.Privileges, ",")}
			}
			return v, record(ctx, um.AuditEvents(), e)
		case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
			ids, err := um.IDs(ctx)
			if err != nil || len(ids) == 0 {
				return next.Mutate(ctx, m)
			}
			publics, err := um.Client().User.Query().Where(user.IDIn(ids...)).Select(user.FieldPublicID).Strings(ctx)
			if err != nil {
				return nil, err
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			for _, p := range publics {
				if err := record(ctx, um.AuditEvents(), Event{Kind: UserDeleted, Target: Target{Type: TargetUser, ID: p}}); err != nil {
					return nil, err
				}
			}
			return v, nil
		}
		return next.Mutate(ctx, m) // a bulk update: no writer changes users by the many
	})
}

// changed lists the fields m writes or clears that an event names.
func changed(m ent.Mutation) []string {
	var out []string
	for _, f := range append(m.Fields(), m.ClearedFields()...) {
		if !derived[f] && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// userKind is the kind of an update of u that wrote fields, its status
// having been old.
func userKind(ctx context.Context, fields []string, old user.Status, u *ent.User) Kind {
	switch {
	case slices.Contains(fields, user.FieldStatus) && old != u.Status:
		switch {
		case u.Status == user.StatusBanned:
			return UserBanned
		case u.Status == user.StatusSuspended:
			return UserSuspended
		case old == user.StatusBanned:
			return UserUnbanned
		default:
			return UserReactivated
		}
	case slices.Contains(fields, user.FieldPasswordHash):
		if a := ActorOf(ctx); a.User != "" && a.User == u.PublicID {
			return UserPasswordChanged
		}
		return UserPasswordReset
	case slices.Contains(fields, user.FieldRole) || slices.Contains(fields, user.FieldFlags):
		return UserRoleChanged
	case slices.Contains(fields, user.FieldPrivileges):
		return UserPrivilegesChanged
	}
	return UserChanged
}

// applicationHook records application.created, .changed, .secret_rotated
// and .deleted. A bulk update (the upgrade of imported secret hashes) is
// no one's action and records nothing.
func applicationHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		am, ok := m.(*ent.ApplicationMutation)
		if !ok || quiet(ctx) {
			return next.Mutate(ctx, m)
		}
		switch {
		case m.Op().Is(ent.OpCreate | ent.OpUpdateOne):
			fields := changed(m)
			if m.Op().Is(ent.OpUpdateOne) {
				var err error
				if fields, err = differing(ctx, am, fields); err != nil {
					return nil, err
				}
				if len(fields) == 0 {
					return next.Mutate(ctx, m)
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			a := v.(*ent.Application)
			e := Event{Kind: ApplicationChanged, Target: ApplicationTarget(a), Fields: fields}
			switch {
			case m.Op().Is(ent.OpCreate):
				e.Kind, e.Fields = ApplicationCreated, nil
			case slices.Contains(fields, application.FieldSecretHash) && len(fields) == 1:
				e.Kind = ApplicationSecretReset
			}
			return v, record(ctx, am.AuditEvents(), e)
		case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
			ids, err := am.IDs(ctx)
			if err != nil || len(ids) == 0 {
				return next.Mutate(ctx, m)
			}
			clients, err := am.Client().Application.Query().Where(application.IDIn(ids...)).
				Select(application.FieldClientID).Strings(ctx)
			if err != nil {
				return nil, err
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			for _, c := range clients {
				if err := record(ctx, am.AuditEvents(), Event{Kind: ApplicationDeleted,
					Target: Target{Type: TargetApplication, ID: c}}); err != nil {
					return nil, err
				}
			}
			return v, nil
		}
		return next.Mutate(ctx, m)
	})
}

// differing keeps of the fields an update of one row sets those whose
// value it changes. The application writers (updateApplication, app
// update) replace every setting at once, most of them with the value they
// had: the event names what changed. Cleared fields are changes. It reads
// the row at most once (ent caches the old row of the mutation, and has
// it without reading when the writer updates a row it read).
func differing(ctx context.Context, m ent.Mutation, fields []string) ([]string, error) {
	out := fields[:0:0]
	for _, f := range fields {
		v, set := m.Field(f)
		if !set {
			out = append(out, f) // cleared
			continue
		}
		old, err := m.OldField(ctx, f)
		if err != nil {
			return nil, err
		}
		if !same(old, v) {
			out = append(out, f)
		}
	}
	return out, nil
}

// same reports whether a field's old and new values are equal, an empty
// list and none being the same. The old value of an optional field is a
// pointer (nil: none) where the new one is the value.
func same(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Pointer && vb.Kind() != reflect.Pointer {
		if va.IsNil() {
			return false
		}
		va = va.Elem()
		a = va.Interface()
	}
	if va.Kind() == reflect.Slice && vb.Kind() == reflect.Slice && va.Len() == 0 && vb.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// credentialHook records credential.minted and credential.revoked. The
// other writes of a credential (its last use, its consent) and its
// deletion (with its user, or swept once expired) are no event.
func credentialHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		cm, ok := m.(*ent.CredentialMutation)
		if !ok || quiet(ctx) {
			return next.Mutate(ctx, m)
		}
		switch {
		case m.Op().Is(ent.OpCreate):
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			c := v.(*ent.Credential)
			return v, record(ctx, cm.AuditEvents(), Event{Kind: CredentialMinted, Target: CredentialTarget(c),
				Details: credentialDetails(c)})
		case m.Op().Is(ent.OpUpdateOne):
			if _, revoking := cm.RevokedAt(); !revoking {
				return next.Mutate(ctx, m)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			c := v.(*ent.Credential)
			return v, record(ctx, cm.AuditEvents(), Event{Kind: CredentialRevoked, Target: CredentialTarget(c),
				Details: credentialDetails(c)})
		case m.Op().Is(ent.OpUpdate):
			if _, revoking := cm.RevokedAt(); !revoking {
				return next.Mutate(ctx, m)
			}
			ids, err := cm.IDs(ctx)
			if err != nil || len(ids) == 0 {
				return next.Mutate(ctx, m)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			cs, err := cm.Client().Credential.Query().Where(credential.IDIn(ids...)).
				Select(credential.FieldID, credential.FieldKind, credential.FieldScopes).All(ctx)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				if err := record(ctx, cm.AuditEvents(), Event{Kind: CredentialRevoked, Target: CredentialTarget(c),
					Details: credentialDetails(c)}); err != nil {
					return nil, err
				}
			}
			return v, nil
		}
		return next.Mutate(ctx, m)
	})
}

// credentialDetails are the facts of c an event carries: its kind and
// scopes, never its hash.
func credentialDetails(c *ent.Credential) map[string]string {
	d := map[string]string{"credential_kind": string(c.Kind)}
	if len(c.Scopes) > 0 {
		d["scopes"] = strings.Join(c.Scopes, " ")
	}
	return d
}
