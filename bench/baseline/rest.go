package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// encode is JSON without HTML escaping and without the trailing newline, as
// the dialects write it.
func encode(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeRaw(w, http.StatusInternalServerError, []byte(`{}`))
		return
	}
	writeRaw(w, status, bytes.TrimRight(buf.Bytes(), "\n"))
}

type eduPlatformUser struct {
	ID        int    `json:"id"`
	FirstName string `json:"firstname"`
	LastName  string `json:"lastname"`
	Email     string `json:"email"`
	CreatedAt string `json:"created_at"`
}

func newEduPlatformUser(u *viewer) eduPlatformUser {
	return eduPlatformUser{u.ID, u.FirstName, u.LastName, u.Email, u.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z")}
}

// eduPlatformViewer answers POST /api/v1/users/oauth.
func (s *server) eduPlatformViewer(w http.ResponseWriter, r *http.Request) {
	u := s.authenticate(r)
	if u == nil {
		unauthorized(w)
		return
	}
	encode(w, http.StatusOK, struct {
		User eduPlatformUser `json:"user"`
	}{newEduPlatformUser(u)})
}

// eduFocusCurrent answers GET /users/@current (a first-party token: every
// field shown).
func (s *server) eduFocusCurrent(w http.ResponseWriter, r *http.Request) {
	u := s.authenticate(r)
	if u == nil {
		unauthorized(w)
		return
	}
	var avatar *string
	if u.AvatarID.Valid {
		a := strconv.FormatInt(u.AvatarID.Int64, 10)
		avatar = &a
	}
	encode(w, http.StatusOK, struct {
		Code    int    `json:"code"`
		Status  string `json:"status"`
		Payload any    `json:"payload"`
	}{200, "success", struct {
		ID        string  `json:"id"`
		Username  string  `json:"username"`
		Email     string  `json:"email"`
		FirstName string  `json:"first_name"`
		LastName  string  `json:"last_name"`
		Avatar    *string `json:"avatar"`
		Verified  bool    `json:"verified"`
		Flags     int     `json:"flags"`
	}{u.PublicID, u.Username, u.Email, u.FirstName, u.LastName, avatar, u.Verified, u.Flags}})
}

type usersV1User struct {
	ID        string  `json:"id"`
	Email     string  `json:"email"`
	Name      string  `json:"name"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt *string `json:"updated_at,omitempty"`
	Status    string  `json:"status"`
	Role      string  `json:"role"`
}

func stampV1(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

func newUsersV1User(u *viewer, withUpdated bool) usersV1User {
	b := usersV1User{ID: "usr_" + u.PublicID, Email: u.Email, Name: u.name(),
		CreatedAt: stampV1(u.CreatedAt), Status: u.Status, Role: u.Role}
	if withUpdated {
		up := stampV1(u.UpdatedAt)
		b.UpdatedAt = &up
	}
	return b
}

// usersV1Get answers GET /v1/users/{id}: the viewer itself, or anyone for
// an administrator.
func (s *server) usersV1Get(w http.ResponseWriter, r *http.Request) {
	v := s.authenticate(r)
	if v == nil {
		unauthorized(w)
		return
	}
	pid, ok := strings.CutPrefix(r.PathValue("id"), "usr_")
	if !ok || len(pid) != 8 {
		writeRaw(w, http.StatusNotFound, []byte(`{"error":{"code":"not_found","message":"not found"}}`))
		return
	}
	u := v
	if pid != v.PublicID {
		var other viewer
		err := scanUser(s.r.QueryRowContext(r.Context(), s.q(`SELECT `+userColumns+` FROM users u WHERE u.public_id = ?`), pid), &other)
		if err != nil || v.Role != "admin" {
			writeRaw(w, http.StatusNotFound, []byte(`{"error":{"code":"not_found","message":"not found"}}`))
			return
		}
		u = &other
	}
	encode(w, http.StatusOK, newUsersV1User(u, true))
}

type listed struct {
	ID        int    `json:"id"`
	Login     string `json:"login"`
	FirstName string `json:"firstname"`
	LastName  string `json:"lastname"`
}

// maarchList answers GET /rest/users: every standard-mode user, by last
// name, first name (ignoring case), then id. Needs an administrator.
func (s *server) maarchList(w http.ResponseWriter, r *http.Request) {
	v := s.authenticate(r)
	if v == nil {
		unauthorized(w)
		return
	}
	if v.Role != "admin" {
		writeRaw(w, http.StatusForbidden, []byte(`{"errors":"Privilege forbidden"}`))
		return
	}
	rows, err := s.r.QueryContext(r.Context(), s.q(`SELECT id, login, first_name, last_name FROM users WHERE mode <> 'rest'`))
	if err != nil {
		writeRaw(w, http.StatusInternalServerError, []byte(`{"errors":"Internal error"}`))
		return
	}
	defer rows.Close()
	// Lowercase each name once, not in every comparison.
	type keyed struct {
		u           listed
		last, first string
	}
	users := make([]keyed, 0, 1024)
	for rows.Next() {
		var k keyed
		if err := rows.Scan(&k.u.ID, &k.u.Login, &k.u.FirstName, &k.u.LastName); err != nil {
			writeRaw(w, http.StatusInternalServerError, []byte(`{"errors":"Internal error"}`))
			return
		}
		k.last, k.first = strings.ToLower(k.u.LastName), strings.ToLower(k.u.FirstName)
		users = append(users, k)
	}
	if rows.Err() != nil {
		writeRaw(w, http.StatusInternalServerError, []byte(`{"errors":"Internal error"}`))
		return
	}
	slices.SortFunc(users, func(a, b keyed) int {
		return cmp.Or(strings.Compare(a.last, b.last), strings.Compare(a.first, b.first), cmp.Compare(a.u.ID, b.u.ID))
	})
	out := make([]listed, len(users))
	for i, k := range users {
		out[i] = k.u
	}
	encode(w, http.StatusOK, struct {
		Users []listed `json:"users"`
	}{out})
}
