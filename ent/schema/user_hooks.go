package schema

import (
	"context"
	"errors"
	"strings"

	"entgo.io/ent"

	gen "userbridge/ent"
	"userbridge/ent/hook"
	"userbridge/ent/user"
)

// FlagAdmin is the edu-focus flag that mirrors role "admin".
const FlagAdmin = 0x1

// Hooks of the User keep derived columns in step with what they derive from,
// whoever writes the user: the lowercase unique keys of e-mail and username,
// the lowercase login, and the one fact "administrator" seen as role and as
// flag 0x1.
func (User) Hooks() []ent.Hook {
	return []ent.Hook{
		hook.On(normalizeKeys, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne),
		hook.On(syncAdminFlag, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne),
	}
}

func normalizeKeys(next ent.Mutator) ent.Mutator {
	return hook.UserFunc(func(ctx context.Context, m *gen.UserMutation) (ent.Value, error) {
		if v, ok := m.Email(); ok {
			m.SetEmailKey(strings.ToLower(v))
		}
		if v, ok := m.Username(); ok {
			m.SetUsernameKey(strings.ToLower(v))
		}
		if v, ok := m.Login(); ok {
			m.SetLogin(strings.ToLower(v))
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
