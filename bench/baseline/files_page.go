package main

import (
	"context"
	"encoding/json"
	"net/http"
)

// pageWithAvatars reads the first page of users by id and their avatars
// (two statements); more says whether a next page exists.
func (s *server) pageWithAvatars(ctx context.Context, first int) (nodes []*pageNode, more bool, err error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, public_id, email, avatar_id FROM users ORDER BY id LIMIT ?`), first+1)
	if err != nil {
		return nil, false, err
	}
	nodes = make([]*pageNode, 0, first+1)
	err = each(rows, func() error {
		n := &pageNode{}
		var av *int64
		if err := rows.Scan(&n.id, &n.PublicID, &n.Email, &av); err != nil {
			return err
		}
		if av != nil {
			n.avatarID = *av
		}
		nodes = append(nodes, n)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if more = len(nodes) > first; more {
		nodes = nodes[:first]
	}
	owners := map[int64][]*pageNode{}
	var avatarIDs []any
	for _, n := range nodes {
		n.ID = gid(n.id)
		if n.avatarID != 0 {
			avatarIDs = append(avatarIDs, n.avatarID)
			owners[n.avatarID] = append(owners[n.avatarID], n)
		}
	}
	if len(avatarIDs) == 0 {
		return nodes, more, nil
	}
	rows, err = s.r.QueryContext(ctx, s.q(`SELECT id, name FROM files WHERE id IN (`+placeholders(len(avatarIDs))+`)`), avatarIDs...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var fid int64
		var name string
		if err := rows.Scan(&fid, &name); err != nil {
			return nil, false, err
		}
		for _, n := range owners[fid] {
			n.Avatar = &avatar{gid(fid), name}
		}
	}
	return nodes, more, rows.Err()
}

type fileNode struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

type fileEdge struct {
	Node fileNode `json:"node"`
}

type filesConnection struct {
	TotalCount *int       `json:"totalCount,omitempty"`
	Edges      []fileEdge `json:"edges"`
}

type filesPageNode struct {
	ID       string          `json:"id"`
	PublicID string          `json:"publicID"`
	Email    string          `json:"email"`
	Avatar   *avatar         `json:"avatar"`
	Files    filesConnection `json:"files"`
}

// filesPerUser is the page size of each user's files in the page.
const filesPerUser = 5

// gqlUsersFilesPage is the first page of users by id with their avatars
// and the first five files of each (by id), with each user's file count
// when totalCount is asked for: three or four statements after
// authentication. The files are numbered per owner with ROW_NUMBER(), which
// SQLite and PostgreSQL both run on the (owner_id, id) index.
func (s *server) gqlUsersFilesPage(w http.ResponseWriter, r *http.Request, first int, totalCount bool) {
	fail := func() { writeRaw(w, http.StatusInternalServerError, []byte(`{"errors":[{"message":"internal"}]}`)) }
	if first <= 0 || first > 1000 {
		first = 50
	}
	ctx := r.Context()
	nodes, _, err := s.pageWithAvatars(ctx, first)
	if err != nil {
		fail()
		return
	}
	out := make([]*filesPageNode, len(nodes))
	byID := make(map[int64]*filesPageNode, len(nodes))
	userIDs := make([]any, len(nodes))
	for i, n := range nodes {
		out[i] = &filesPageNode{ID: n.ID, PublicID: n.PublicID, Email: n.Email, Avatar: n.Avatar,
			Files: filesConnection{Edges: []fileEdge{}}}
		byID[n.id] = out[i]
		userIDs[i] = n.id
	}
	if len(userIDs) > 0 {
		in := placeholders(len(userIDs))
		rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, owner_id, name, size FROM (SELECT id, owner_id, name, size, `+
			`ROW_NUMBER() OVER (PARTITION BY owner_id ORDER BY id) AS n FROM files WHERE owner_id IN (`+in+`)) AS f `+
			`WHERE n <= ? ORDER BY owner_id, id`), append(userIDs, filesPerUser)...)
		if err != nil {
			fail()
			return
		}
		err = each(rows, func() error {
			var f fileNode
			var id, owner int64
			if err := rows.Scan(&id, &owner, &f.Name, &f.Size); err != nil {
				return err
			}
			f.ID = gid(id)
			byID[owner].Files.Edges = append(byID[owner].Files.Edges, fileEdge{f})
			return nil
		})
		if err != nil {
			fail()
			return
		}
		if totalCount {
			for _, n := range out {
				n.Files.TotalCount = new(int)
			}
			counts, err := s.r.QueryContext(ctx, s.q(`SELECT owner_id, COUNT(*) FROM files WHERE owner_id IN (`+in+`) GROUP BY owner_id`), userIDs...) //nolint:sqlclosecheck // each closes it
			if err != nil {
				fail()
				return
			}
			err = each(counts, func() error {
				var uid int64
				var n int
				if err := counts.Scan(&uid, &n); err != nil {
					return err
				}
				*byID[uid].Files.TotalCount = n
				return nil
			})
			if err != nil {
				fail()
				return
			}
		}
	}
	type edge struct {
		Node *filesPageNode `json:"node"`
	}
	var body struct {
		Data struct {
			Users struct {
				Edges []edge `json:"edges"`
			} `json:"users"`
		} `json:"data"`
	}
	body.Data.Users.Edges = make([]edge, len(out))
	for i, n := range out {
		body.Data.Users.Edges[i] = edge{n}
	}
	b, _ := json.Marshal(body)
	writeRaw(w, http.StatusOK, b)
}
