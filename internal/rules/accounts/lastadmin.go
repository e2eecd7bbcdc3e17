package accounts

import (
	"context"

	"entgo.io/ent/dialect"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
)

// ReasonLastAdministrator is the reason of the forbidden error refusing to
// ban, delete, demote or suspend the store's last active administrator.
const ReasonLastAdministrator = "last_administrator"

// The last active administrator stays: a change that would leave the store
// with none (a demotion, a ban or a suspension, a deletion, by any
// transport) is refused, because nobody could then administer the store
// through the APIs. Only the command line may go ahead (its --force,
// ForceLastAdmin): it can always make another administrator.
//
// Two such changes at once must not both see the other's administrator
// still there. SQLite runs one writing transaction at a time. On
// PostgreSQL each one first locks the rows of the active administrators,
// in id order (lockAdmins): the second waits for the first, then sees what
// it committed.

type forceKey struct{}

// ForceLastAdmin returns a context in which the operator (the command
// line's --force) may ban, delete or demote the last active administrator.
// It has no effect for any other viewer.
func ForceLastAdmin(ctx context.Context) context.Context {
	return context.WithValue(ctx, forceKey{}, true)
}

func forced(ctx context.Context, v *auth.Viewer) bool {
	f, _ := ctx.Value(forceKey{}).(bool)
	return f && v.IsOperator()
}

func activeAdmin(u *ent.User) bool {
	return u != nil && u.Role == user.RoleAdmin && u.Status == user.StatusActive
}

// lockAdmins locks, on PostgreSQL and inside tx, the rows of the active
// administrators, before the transaction reads or locks the user it
// changes: every transaction that may remove one takes them in the same
// order, so they run one after another instead of deadlocking.
func (s *Service) lockAdmins(ctx context.Context, tx *ent.Tx) error {
	if s.Dialect != dialect.Postgres {
		return nil
	}
	_, err := tx.User.Query().Where(user.RoleEQ(user.RoleAdmin), user.StatusEQ(user.StatusActive)).
		Order(ent.Asc(user.FieldID)).ForUpdate().IDs(ctx)
	return apperr.Classify(err)
}

// keepAnAdmin refuses, inside tx and after the write, a change that turned
// before, an active administrator, into after (nil: deleted), which is not
// one, when no other active administrator remains.
// Returns forbidden (ReasonLastAdministrator).
func (s *Service) keepAnAdmin(ctx context.Context, tx *ent.Tx, v *auth.Viewer, before, after *ent.User) error {
	if !activeAdmin(before) || activeAdmin(after) || forced(ctx, v) {
		return nil
	}
	n, err := tx.User.Query().Where(user.RoleEQ(user.RoleAdmin), user.StatusEQ(user.StatusActive)).Count(ctx)
	if err != nil {
		return apperr.Wrap(err, "counting administrators")
	}
	if n > 0 {
		return nil
	}
	return apperr.New(apperr.Forbidden, ReasonLastAdministrator,
		before.Email+" is the last active administrator: nobody would be left to administer the store; "+
			"make another administrator first")
}

// mayRemoveAdmin reports whether in may turn an active administrator into
// something else: only such a change needs lockAdmins.
func (in UpdateInput) mayRemoveAdmin() bool {
	return (in.Role != nil && *in.Role != user.RoleAdmin) || (in.Flags != nil && *in.Flags&1 == 0) ||
		(in.Status != nil && *in.Status != user.StatusActive)
}
