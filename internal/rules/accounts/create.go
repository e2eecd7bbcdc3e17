package accounts

import (
	"context"
	"strings"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/ident"
	"userbridge/internal/rules/policy"
)

// CreateInput is a new user. Email is required; every other field has the
// model's default. Name (users-v1) sets the display name and, when first and
// last names are not given, fills them by splitting at the first space.
type CreateInput struct {
	Email      string
	Password   *string
	Username   *string
	Login      *string
	FirstName  string
	LastName   string
	Name       *string
	Role       *user.Role
	Flags      *int
	Privileges []string
	Status     *user.Status
	Verified   bool
	Mode       *user.Mode
}

// Create makes a user on behalf of a viewer allowed by policy.CreateUser.
// Returns forbidden without it (or policy.GrantAdmin when the new user gets
// role admin, any flag or any privilege), invalid with the field at fault, or conflict with the
// taken field ("email_taken", "username_taken", "login_taken").
func (s *Service) Create(ctx context.Context, v *auth.Viewer, in CreateInput) (*ent.User, error) {
	if err := policy.CreateUser(v); err != nil {
		return nil, err
	}
	if grantsAdmin(in) {
		if err := policy.GrantAdmin(v); err != nil {
			return nil, err
		}
	}
	return s.Bootstrap(ctx, in)
}

// Bootstrap makes a user with no viewer: the CLI's way to create the first
// administrator. Same validation and conflicts as Create.
func (s *Service) Bootstrap(ctx context.Context, in CreateInput) (*ent.User, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var hash string
	if in.Password != nil {
		var err error
		if hash, err = auth.HashPassword(*in.Password); err != nil {
			return nil, apperr.Wrap(err, "hashing password")
		}
	}
	var u *ent.User
	err := withTx(ctx, s.Client, func(tx *ent.Tx) error {
		login := ident.Key(in.Email)
		if in.Login != nil {
			login = ident.Key(*in.Login)
		}
		if err := checkUnique(ctx, tx.Client(), 0, &in.Email, in.Username, &login); err != nil {
			return err
		}
		username, err := s.username(ctx, tx.Client(), in, login)
		if err != nil {
			return err
		}
		c := tx.User.Create().
			SetEmail(in.Email).SetLogin(login).SetUsername(username).
			SetFirstName(in.FirstName).SetLastName(in.LastName).
			SetVerified(in.Verified).SetPrivileges(in.Privileges).
			SetNillableRole(in.Role).SetNillableStatus(in.Status).
			SetNillableMode(in.Mode).SetNillableFlags(in.Flags)
		if hash != "" {
			c.SetPasswordHash(hash)
		}
		if in.Name != nil {
			c.SetDisplayName(strings.TrimSpace(*in.Name))
			if in.FirstName == "" && in.LastName == "" {
				first, last := splitName(*in.Name)
				c.SetFirstName(first).SetLastName(last)
			}
		}
		u, err = c.Save(ctx)
		return classifyWrite(err)
	})
	return u, err
}

func grantsAdmin(in CreateInput) bool {
	return (in.Role != nil && *in.Role == user.RoleAdmin) || (in.Flags != nil && *in.Flags != 0) ||
		len(in.Privileges) > 0
}

func (in CreateInput) validate() error {
	if err := checkEmail(in.Email); err != nil {
		return err
	}
	if in.Password != nil {
		if err := checkPassword(*in.Password); err != nil {
			return err
		}
	}
	if in.Username != nil {
		if err := checkUsername(*in.Username); err != nil {
			return err
		}
	}
	if in.Login != nil {
		if err := checkLogin(*in.Login); err != nil {
			return err
		}
	}
	if err := checkName("first_name", in.FirstName); err != nil {
		return err
	}
	if err := checkName("last_name", in.LastName); err != nil {
		return err
	}
	if in.Name != nil {
		if strings.TrimSpace(*in.Name) == "" {
			return apperr.Invalidf("name", ReasonInvalidName, "name must not be empty")
		}
		if err := checkName("name", *in.Name); err != nil {
			return err
		}
	}
	if in.Flags != nil && *in.Flags < 0 {
		return apperr.Invalidf("flags", ReasonInvalidFlags, "flags must not be negative")
	}
	if err := checkRole(in.Role); err != nil {
		return err
	}
	if err := checkStatus(in.Status); err != nil {
		return err
	}
	return checkPrivileges(in.Privileges)
}
