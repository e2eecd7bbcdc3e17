package schema

import (
	"context"
	"errors"

	"entgo.io/ent"

	gen "userbridge/ent"
	"userbridge/ent/hook"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/ident"
)

// FlagAdmin is the edu-focus flag that mirrors role "admin".
const FlagAdmin = 0x1

// Hooks of the User keep derived columns in step with what they derive from,
// whoever writes the user: the unique keys of e-mail and username and the
// login, all through ident.Key, and the one fact "administrator" seen as role and as
// flag 0x1; and the rules of legacy ids (user_legacy_ids.go).
func (User) Hooks() []ent.Hook {
	return []ent.Hook{
		hook.On(normalizeKeys, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne),
		hook.On(syncAdminFlag, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne),
		hook.On(avoidLegacyIDs, ent.OpCreate),
		hook.On(reserveLegacyIDs, ent.OpDelete|ent.OpDeleteOne),
	}
}

// normalizeKeys stores e-mail and username in their canonical (NFKC) form
// with their keys, and the login as its own key. accounts validates first;
// refusing here too keeps any other writer from storing what accounts would
// refuse.
func normalizeKeys(next ent.Mutator) ent.Mutator {
	return hook.UserFunc(func(ctx context.Context, m *gen.UserMutation) (ent.Value, error) {
		for _, f := range []struct {
			name     string
			get      func() (string, bool)
			set, key func(string)
		}{
			{"email", m.Email, func(s string) { m.SetEmail(s) }, func(s string) { m.SetEmailKey(s) }},
			{"username", m.Username, func(s string) { m.SetUsername(s) }, func(s string) { m.SetUsernameKey(s) }},
			{"login", m.Login, func(s string) { m.SetLogin(s) }, func(s string) { m.SetLogin(s) }},
		} {
			v, ok := f.get()
			if !ok {
				continue
			}
			c, valid := ident.Canonical(v)
			if !valid {
				return nil, apperr.Invalidf(f.name, "invalid_"+f.name, "%s is invalid", f.name)
			}
			f.set(c)
			f.key(ident.Key(c))
		}
		return next.Mutate(ctx, m)
	})
}

// syncAdminFlag derives flag 0x1 from the role when the role is written, and
// the role from the flags when only the flags are written. The database check
// constraint refuses anything else.
func syncAdminFlag(next ent.Mutator) ent.Mutator {
	return hook.UserFunc(func(ctx context.Context, m *gen.UserMutation) (ent.Value, error) {
		role, roleSet := m.Role()
		flags, flagsSet := m.Flags()
		if _, added := m.AddedFlags(); added {
			return nil, errors.New("user: flags must be set, not added")
		}
		if !roleSet && !flagsSet {
			return next.Mutate(ctx, m)
		}
		if !flagsSet {
			switch {
			case m.Op().Is(ent.OpCreate):
				flags = 0
			case m.Op().Is(ent.OpUpdateOne):
				old, err := m.OldFlags(ctx)
				if err != nil {
					return nil, err
				}
				flags = old
			default:
				return nil, errors.New("user: role changes one user at a time")
			}
		}
		if roleSet {
			if role == user.RoleAdmin {
				flags |= FlagAdmin
			} else {
				flags &^= FlagAdmin
			}
			m.SetFlags(flags)
		} else {
			if flags&FlagAdmin != 0 {
				m.SetRole(user.RoleAdmin)
			} else {
				m.SetRole(user.RoleUser)
			}
		}
		return next.Mutate(ctx, m)
	})
}
