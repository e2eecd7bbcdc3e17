package accounts

import (
	"context"
	"slices"
	"strings"

	"userbridge/ent"
	"userbridge/ent/credential"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/policy"
)

// UpdateInput is a partial change: nil fields keep their values.
type UpdateInput struct {
	Email     *string
	Username  *string
	Login     *string
	FirstName *string
	LastName  *string
	Name      *string
	Password  *string
	// CurrentPassword proves the user knows its password when it changes
	// its own (not when another user resets it).
	CurrentPassword *string
	Role            *user.Role
	Status          *user.Status
	Flags           *int
	Privileges      *[]string
	Verified        *bool
	Mode            *user.Mode
}

// change tells policy.UpdateUser which kinds of fields in touches on
// target as it stands.
func (in UpdateInput) change(target *ent.User) policy.Change {
	return policy.Change{
		Email:    in.Email != nil && *in.Email != target.Email,
		Password: in.Password != nil,
		Standing: in.Status != nil || in.Verified != nil || in.Mode != nil,
		Grants:   in.Role != nil || in.Flags != nil || in.Privileges != nil,
	}
}

func (in UpdateInput) validate() error {
	if in.Email != nil {
		if err := checkEmail(*in.Email); err != nil {
			return err
		}
	}
	if in.Username != nil {
		if err := checkUsername(*in.Username); err != nil {
			return err
		}
	}
	if in.Login != nil {
		if err := checkLogin(strings.ToLower(*in.Login)); err != nil {
			return err
		}
	}
	if in.Password != nil {
		if err := checkPassword(*in.Password); err != nil {
			return err
		}
	}
	for field, p := range map[string]*string{"first_name": in.FirstName, "last_name": in.LastName} {
		if p != nil {
			if err := checkName(field, *p); err != nil {
				return err
			}
		}
	}
	if in.Name != nil {
		if strings.TrimSpace(*in.Name) == "" {
			return apperr.Invalidf("name", ReasonInvalidName, "name must not be empty")
		}
		if err := checkName("name", *in.Name); err != nil {
			return err
		}
	}
	if err := checkRole(in.Role); err != nil {
		return err
	}
	if err := checkStatus(in.Status); err != nil {
		return err
	}
	if in.Flags != nil && *in.Flags < 0 {
		return apperr.Invalidf("flags", ReasonInvalidFlags, "flags must not be negative")
	}
	if in.Privileges != nil {
		return checkPrivileges(*in.Privileges)
	}
	return nil
}

// Update applies a partial change to user id and reports whether anything
// changed (edu-focus answers 202 when nothing did). A new password revokes
// every other credential of the user (all of them when another user resets
// it), in the same transaction.
//
// Returns forbidden per policy.ChangeUsers before the lookup, not found when
// the user is invisible to the viewer, forbidden per policy.UpdateUser (a
// user changing its own role or status, for instance),
// invalid with the field at fault (current_password when a user changing
// its own password does not give the current one), rate limited past the
// login limit of the account, conflict on a taken unique value, or
// forbidden (ReasonLastAdministrator) for a change that would leave no
// active administrator (lastadmin.go).
func (s *Service) Update(ctx context.Context, v *auth.Viewer, id int, in UpdateInput) (*ent.User, bool, error) {
	var updated *ent.User
	changed := false
	err := withTx(ctx, s.Client, func(tx *ent.Tx) error {
		if in.mayRemoveAdmin() {
			if err := s.lockAdmins(ctx, tx); err != nil {
				return err
			}
		}
		// Read once, in the transaction (and on PostgreSQL locked until
		// it ends): every check below and the write see the same row.
		cur, err := s.admitUpdate(ent.NewTxContext(ctx, tx), tx.Client(), v, id, in)
		if err != nil {
			return err
		}
		var hash string
		if in.Password != nil {
			if hash, err = auth.HashPassword(*in.Password); err != nil {
				return apperr.Wrap(err, "hashing password")
			}
		}
		m := tx.User.UpdateOne(cur)
		changed = in.apply(cur, m, hash)
		if !changed {
			updated = cur
			return nil
		}
		if err := checkUnique(ctx, tx.Client(), id, changedStr(in.Email, cur.Email),
			changedStr(in.Username, cur.Username), changedStr(in.Login, cur.Login)); err != nil {
			return err
		}
		if updated, err = m.Save(ctx); err != nil {
			return classifyWrite(err)
		}
		if err := s.keepAnAdmin(ctx, tx, v, cur, updated); err != nil {
			return err
		}
		if hash != "" {
			return s.revokeOthers(ctx, tx, v, id)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return updated, changed, nil
}

// UpdateViewer is Update of the viewer's own account.
// Returns forbidden for an application acting alone, else as Update.
func (s *Service) UpdateViewer(ctx context.Context, v *auth.Viewer, in UpdateInput) (*ent.User, bool, error) {
	if err := policy.HasUser(v); err != nil {
		return nil, false, err
	}
	return s.Update(ctx, v, v.User.ID, in)
}

// changedStr returns p when its ident.Key differs from cur's, else nil.
func changedStr(p *string, cur string) *string {
	if p == nil || ident.Key(*p) == ident.Key(cur) {
		return nil
	}
	return p
}

// apply stages on m every value of in that differs from cur and reports
// whether there was any.
func (in UpdateInput) apply(cur *ent.User, m *ent.UserUpdateOne, hash string) bool {
	changed := false
	setStr := func(p *string, old string, set func(string) *ent.UserUpdateOne) {
		if p != nil && *p != old {
			set(*p)
			changed = true
		}
	}
	setStr(in.Email, cur.Email, m.SetEmail)
	setStr(in.Username, cur.Username, m.SetUsername)
	if in.Login != nil {
		setStr(new(ident.Key(*in.Login)), cur.Login, m.SetLogin)
	}
	setStr(in.FirstName, cur.FirstName, m.SetFirstName)
	setStr(in.LastName, cur.LastName, m.SetLastName)
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if cur.DisplayName == nil || *cur.DisplayName != name {
			m.SetDisplayName(name)
			changed = true
		}
		if cur.FirstName == "" && cur.LastName == "" && in.FirstName == nil && in.LastName == nil {
			first, last := splitName(name)
			m.SetFirstName(first).SetLastName(last)
			changed = true
		}
	}
	if hash != "" {
		m.SetPasswordHash(hash)
		changed = true
	}
	if in.Role != nil && *in.Role != cur.Role {
		m.SetRole(*in.Role)
		changed = true
	}
	if in.Flags != nil && *in.Flags != cur.Flags {
		flags := *in.Flags
		m.SetFlags(flags)
		if in.Role != nil { // the role given alongside wins for bit 0x1
			m.SetRole(*in.Role)
		}
		changed = true
	}
	if in.Status != nil && *in.Status != cur.Status {
		m.SetStatus(*in.Status)
		changed = true
	}
	if in.Privileges != nil && !slices.Equal(*in.Privileges, cur.Privileges) {
		m.SetPrivileges(*in.Privileges)
		changed = true
	}
	if in.Verified != nil && *in.Verified != cur.Verified {
		m.SetVerified(*in.Verified)
		changed = true
	}
	if in.Mode != nil && *in.Mode != cur.Mode {
		m.SetMode(*in.Mode)
		changed = true
	}
	return changed
}

// revokeOthers revokes, inside tx, every live credential of user id but the
// one the viewer is using: whoever held another one must log in again with
// the new password.
func (s *Service) revokeOthers(ctx context.Context, tx *ent.Tx, v *auth.Viewer, id int) error {
	q := tx.Credential.Update().Where(credential.UserID(id), credential.RevokedAtIsNil())
	if v != nil && v.Credential != nil {
		q.Where(credential.IDNEQ(v.Credential.ID))
	}
	if _, err := q.SetRevokedAt(s.now()).Save(ctx); err != nil {
		return apperr.Wrap(err, "revoking credentials")
	}
	return nil
}
