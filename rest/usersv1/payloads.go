package usersv1

import (
	"bytes"
	"net/http"
	"time"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/rest/jsonio"
)

// stamp formats a time as the legacy clients know it: UTC, whole seconds, Z.
func stamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// userBody is the legacy user, keys in the documented order. UpdatedAt is
// left out of the 201 of a creation, as the legacy example shows.
type userBody struct {
	ID        string  `json:"id"`
	Email     string  `json:"email"`
	Name      string  `json:"name"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt *string `json:"updated_at,omitempty"`
	Status    string  `json:"status"`
	Role      string  `json:"role"`
}

// userBodyShows are the guarded fields userBody always shows: an answer
// carrying one needs the scopes of all (policy.ReadFields).
var userBodyShows = []string{"email", "name"}

// newUserBody converts u, shown under id (its id in this dialect,
// handlers.userID); withUpdated says whether updated_at is shown.
func newUserBody(u *ent.User, id string, withUpdated bool) userBody {
	b := userBody{ID: id, Email: u.Email, Name: accounts.DisplayName(u),
		CreatedAt: stamp(u.CreatedAt), Status: string(u.Status), Role: string(u.Role)}
	if withUpdated {
		b.UpdatedAt = new(stamp(u.UpdatedAt))
	}
	return b
}

// createRequest is the POST body. Unknown keys are accepted and ignored.
type createRequest struct {
	Email    *string `json:"email"`
	Name     *string `json:"name"`
	Password *string `json:"password"`
	Role     *string `json:"role"`
}

// input checks the fields the legacy API requires (in the documented
// order) and converts; the rules themselves are in accounts.
func (c createRequest) input() (accounts.CreateInput, error) {
	for _, f := range []struct {
		name string
		v    *string
	}{{"email", c.Email}, {"name", c.Name}, {"password", c.Password}} {
		if f.v == nil {
			return accounts.CreateInput{}, apperr.Invalidf(f.name, "required", "%s is required", f.name)
		}
	}
	in := accounts.CreateInput{Email: *c.Email, Name: c.Name, Password: c.Password}
	if c.Role != nil {
		in.Role = new(user.Role(*c.Role))
	}
	return in, nil
}

// updateRequest is the PUT body: absent (or null) fields keep their values.
type updateRequest struct {
	Email    *string `json:"email"`
	Name     *string `json:"name"`
	Password *string `json:"password"`
	// CurrentPassword is ours: the legacy document lists no PUT fields, and
	// the authorization model asks for it when users change their own.
	CurrentPassword *string `json:"current_password"`
	Role            *string `json:"role"`
	Status          *string `json:"status"`
}

func (u updateRequest) input() accounts.UpdateInput {
	in := accounts.UpdateInput{Email: u.Email, Name: u.Name, Password: u.Password, CurrentPassword: u.CurrentPassword}
	if u.Role != nil {
		in.Role = new(user.Role(*u.Role))
	}
	if u.Status != nil {
		in.Status = new(user.Status(*u.Status))
	}
	return in
}

// decode reads a JSON object body of at most limit bytes into v (unknown keys
// ignored). Returns too large, or invalid with reason empty_body or
// invalid_json (with the field when a value has the wrong type).
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	b, err := jsonio.ReadBody(w, r, limit)
	if err != nil {
		return err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] != '{' {
		return apperr.New(apperr.Invalid, jsonio.ReasonInvalidJSON, "the request body is not a JSON object")
	}
	return jsonio.Unmarshal(b, v, false)
}
