package edufocus

import (
	"encoding/json"
	"net/http"
	"strconv"

	"userbridge/ent"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
	"userbridge/rest/jsonio"
)

// The envelope keeps the legacy key order of each of its three forms.
type (
	payloadBody struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Payload any    `json:"payload"`
	}
	messageBody struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
	}
	failureBody struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Message string `json:"message"`
	}
)

func writePayload(w http.ResponseWriter, v any) {
	jsonio.Write(w, http.StatusOK, payloadBody{http.StatusOK, "success", v})
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	jsonio.Write(w, status, messageBody{status, msg, "success"})
}

func writeFailure(w http.ResponseWriter, status int, msg string) {
	jsonio.Write(w, status, failureBody{status, "failure", msg})
}

// userObject is the legacy user. email and the names are pointers so that
// a field the credential's scopes hide is absent, not null.
type userObject struct {
	ID        string  `json:"id"`
	Username  string  `json:"username"`
	Email     *string `json:"email,omitempty"`
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	Avatar    *string `json:"avatar"`
	Verified  bool    `json:"verified"`
	Flags     int     `json:"flags"`
}

// newUserObject converts u for viewer v, under id (its id in this
// dialect), showing the guarded fields that policy.ReadField lets v see.
func newUserObject(v *auth.Viewer, u *ent.User, id string) userObject {
	o := userObject{ID: id, Username: u.Username, Avatar: fileID(u.AvatarID),
		Verified: u.Verified, Flags: u.Flags}
	if policy.ReadField(v, "email") == nil {
		o.Email = &u.Email
	}
	if policy.ReadField(v, "first_name") == nil {
		o.FirstName, o.LastName = &u.FirstName, &u.LastName
	}
	return o
}

// fileID spells a file's id as Edu-Focus does: a string (here the decimal
// entity id).
func fileID(id *int) *string {
	if id == nil {
		return nil
	}
	s := strconv.Itoa(*id)
	return &s
}

// parseFileID reads a file id given by a client. Returns false for anything
// that is not one.
func parseFileID(s string) (int, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	id, err := strconv.Atoi(s)
	return id, err == nil && id > 0
}

// fileObject is the payload of POST /files.
type fileObject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	Type string `json:"type"`
}

func newFileObject(f *ent.File) fileObject {
	return fileObject{ID: *fileID(&f.ID), Name: f.Name, Size: f.Size, Type: f.ContentType}
}

// optional is a JSON value that may be absent (Set false), null (Value
// nil) or a string.
type optional struct {
	Set   bool
	Value *string
}

// UnmarshalJSON records that the key was there; a non-string, non-null
// value is a type error (invalid_body).
func (o *optional) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// patchBody is the body of PATCH /users/@current: every key optional, only
// avatar may be null (to remove it).
type patchBody struct {
	Username  optional `json:"username"`
	FirstName optional `json:"first_name"`
	LastName  optional `json:"last_name"`
	Avatar    optional `json:"avatar"`
}

// input converts the body to the account change and the avatar change
// (avatarSet false: keep it; avatar nil: remove it). Returns invalid_body
// for a null where a string is needed, invalid_avatar for a malformed id.
func (b patchBody) input() (in accounts.UpdateInput, avatarSet bool, avatar *int, err error) {
	for _, o := range []optional{b.Username, b.FirstName, b.LastName} {
		if o.Set && o.Value == nil {
			return in, false, nil, errInvalidBody
		}
	}
	in = accounts.UpdateInput{Username: b.Username.Value, FirstName: b.FirstName.Value, LastName: b.LastName.Value}
	if !b.Avatar.Set || b.Avatar.Value == nil {
		return in, b.Avatar.Set, nil, nil
	}
	id, ok := parseFileID(*b.Avatar.Value)
	if !ok {
		return in, true, nil, errInvalidAvatar
	}
	return in, true, &id, nil
}
