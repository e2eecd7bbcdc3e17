package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// gid is userbridge's opaque GraphQL id of an entity id.
func gid(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ub:" + strconv.FormatInt(id, 10)))
}

// graphql answers the benchmark's two operations, recognized by name, with
// the bytes gqlgen would write (json.Marshal of the response: HTML-escaped,
// no trailing newline). It parses no GraphQL.
func (s *server) graphql(w http.ResponseWriter, r *http.Request) {
	v := s.authenticate(r)
	if v == nil {
		unauthorized(w)
		return
	}
	var req struct {
		OperationName string `json:"operationName"`
		Query         string `json:"query"`
		Variables     struct {
			First int `json:"first"`
		} `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeRaw(w, http.StatusBadRequest, []byte(`{"errors":[{"message":"bad request"}]}`))
		return
	}
	switch req.OperationName {
	case "Viewer":
		s.gqlViewer(w, v)
	case "UsersPage":
		s.gqlUsersPage(w, r, req.Variables.First, strings.Contains(req.Query, "pageInfo"))
	case "UsersFilesPage":
		s.gqlUsersFilesPage(w, r, req.Variables.First, strings.Contains(req.Query, "totalCount"))
	default:
		writeRaw(w, http.StatusBadRequest, []byte(`{"errors":[{"message":"unknown operation"}]}`))
	}
}

func (s *server) gqlViewer(w http.ResponseWriter, u *viewer) {
	type node struct {
		ID        string `json:"id"`
		PublicID  string `json:"publicID"`
		Email     string `json:"email"`
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
		Name      string `json:"name"`
		Role      string `json:"role"`
		Flags     int    `json:"flags"`
		Status    string `json:"status"`
		CreatedAt string `json:"createdAt"`
	}
	var out struct {
		Data struct {
			Viewer node `json:"viewer"`
		} `json:"data"`
	}
	// GraphQL spells enum values in upper case (ADMIN for admin).
	out.Data.Viewer = node{gid(int64(u.ID)), u.PublicID, u.Email, u.FirstName, u.LastName, u.name(),
		strings.ToUpper(u.Role), u.Flags, strings.ToUpper(u.Status), u.CreatedAt.Format(time.RFC3339Nano)}
	b, _ := json.Marshal(out)
	writeRaw(w, http.StatusOK, b)
}

type avatar struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type pageNode struct {
	ID       string  `json:"id"`
	PublicID string  `json:"publicID"`
	Email    string  `json:"email"`
	Avatar   *avatar `json:"avatar"`
	Files    struct {
		TotalCount int `json:"totalCount"`
	} `json:"files"`
	avatarID int64
	id       int64
}

// gqlUsersPage is the first page of users by id with their avatars and file
// counts: three statements after authentication. pageInfo says whether the
// query asked for it.
func (s *server) gqlUsersPage(w http.ResponseWriter, r *http.Request, first int, pageInfo bool) {
	fail := func() { writeRaw(w, http.StatusInternalServerError, []byte(`{"errors":[{"message":"internal"}]}`)) }
	if first <= 0 || first > 1000 {
		first = 50
	}
	nodes, more, err := s.pageWithAvatars(r.Context(), first)
	if err != nil {
		fail()
		return
	}
	ctx := r.Context()
	byID := map[int64]*pageNode{}
	var userIDs []any
	for _, n := range nodes {
		byID[n.id] = n
		userIDs = append(userIDs, n.id)
	}
	if len(userIDs) > 0 {
		in := placeholders(len(userIDs))
		rows, err := s.r.QueryContext(ctx, s.q(`SELECT owner_id, COUNT(*) FROM files WHERE owner_id IN (`+in+`) GROUP BY owner_id`), userIDs...)
		if err != nil {
			fail()
			return
		}
		err = each(rows, func() error {
			var uid int64
			var n int
			if err := rows.Scan(&uid, &n); err != nil {
				return err
			}
			byID[uid].Files.TotalCount = n
			return nil
		})
		if err != nil {
			fail()
			return
		}
	}
	type edge struct {
		Node *pageNode `json:"node"`
	}
	var out struct {
		Data struct {
			Users struct {
				Edges    []edge `json:"edges"`
				PageInfo *struct {
					HasNextPage bool `json:"hasNextPage"`
				} `json:"pageInfo,omitempty"`
			} `json:"users"`
		} `json:"data"`
	}
	out.Data.Users.Edges = make([]edge, len(nodes))
	for i, n := range nodes {
		out.Data.Users.Edges[i] = edge{n}
	}
	if pageInfo {
		out.Data.Users.PageInfo = &struct {
			HasNextPage bool `json:"hasNextPage"`
		}{more}
	}
	b, _ := json.Marshal(out)
	writeRaw(w, http.StatusOK, b)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
