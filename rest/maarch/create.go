package maarch

import (
	"context"
	"net/http"
	"strings"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/imagedata"
	"userbridge/rest/jsonio"
	"userbridge/rest/routing"
)

// createRequest is a POST /rest/users body once its checks 1 to 5 passed.
type createRequest struct {
	login, firstname, lastname, email string
	b                                 body
}

// decodeCreate runs checks 1 to 5 of the contract, in order, on b.
func decodeCreate(b body) (*createRequest, error) {
	if len(b) == 0 {
		return nil, errBodyEmpty
	}
	login, ok := b.text("login")
	if !ok || !accounts.ValidLogin(login) {
		return nil, legacy(textLogin)
	}
	first, ok := b.text("firstname")
	if !ok {
		return nil, legacy(textFirstname)
	}
	last, ok := b.text("lastname")
	if !ok {
		return nil, legacy(textLastname)
	}
	email, ok := b.str("email")
	if !ok || b.empty("email") || !accounts.ValidEmail(email) {
		return nil, legacy(textEmail)
	}
	return &createRequest{login: strings.ToLower(login), firstname: first, lastname: last, email: email, b: b}, nil
}

// picture is check 7a: an optional image, base64 or data URI, of at most
// imagedata.MaxBytes decoded. PHP's empty() leaves it out; anything else
// must decode to an image.
func (c *createRequest) picture() (*imagedata.Image, error) {
	if c.b.empty("picture") {
		return nil, nil
	}
	s, ok := c.b.str("picture")
	if !ok {
		return nil, legacy(textPicture)
	}
	img, err := imagedata.Decode(s, imagedata.MaxBytes)
	if err != nil {
		return nil, legacy(textPicture)
	}
	return img, nil
}

// mode is check 7b: empty means standard; otherwise standard or rest.
func (c *createRequest) mode() (*user.Mode, error) {
	if c.b.empty("mode") {
		return new(user.ModeStandard), nil
	}
	s, ok := c.b.str("mode")
	if !ok || (s != string(user.ModeStandard) && s != string(user.ModeRest)) {
		return nil, legacy(textMode)
	}
	return new(user.Mode(s)), nil
}

// create answers POST /rest/users: 200 {"id": n}. Checks run in Maarch's
// order: authentication, privilege, body (1 to 5), login taken (6), picture
// and mode (7), then the e-mail's uniqueness as the user is written.
func (h handlers) create(w http.ResponseWriter, r *http.Request) {
	u, err := h.createUser(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// A user just created natively shows its derived id: nobody but an
	// import stores another.
	jsonio.Write(w, http.StatusOK, idBody{ID: u.ID})
}

func (h handlers) createUser(w http.ResponseWriter, r *http.Request) (*ent.User, error) {
	v, err := routing.Viewer(r)
	if err != nil {
		return nil, err
	}
	if err := h.Accounts.MayCreate(v); err != nil {
		return nil, err
	}
	b, err := readBody(w, r, h.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	req, err := decodeCreate(b)
	if err != nil {
		return nil, err
	}
	// Check 7 needs no database: decoded before the transaction, its
	// answer given after check 6 as Maarch ordered them.
	img, imgErr := req.picture()
	mode, modeErr := req.mode()
	var u *ent.User
	err = h.Accounts.Atomically(r.Context(), func(ctx context.Context) error {
		if err := h.Accounts.LoginAvailable(ctx, v, req.login); err != nil {
			return err
		}
		if imgErr != nil {
			return imgErr
		}
		if modeErr != nil {
			return modeErr
		}
		var err error
		u, err = h.Accounts.Create(ctx, v, accounts.CreateInput{Email: req.email, Login: &req.login,
			FirstName: req.firstname, LastName: req.lastname, Mode: mode})
		if err != nil || img == nil {
			return err
		}
		// The user and its avatar commit together: a picture the store
		// refuses leaves no user behind, and a retry finds the login free.
		if err := h.Avatars.SetAvatarImageOf(ctx, v, u, img); err != nil {
			if apperr.Is(err, apperr.Invalid) {
				return legacy(textPicture)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
