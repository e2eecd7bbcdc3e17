package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// runDepth seeds depthUsers on a fresh database of backend and compares
// page 1 with page 1,000 (first: 50, after the cursor of user 49,950) of
// the users connection on the service: cursor pagination must not slow
// with depth. Each is run with pageInfo and without.
func runDepth(o options, rep *report, bins map[string]string, work, backend string) error {
	dbURL, cleanup, err := database(o, work, backend, "depth")
	if err != nil {
		return err
	}
	defer cleanup()
	storage := filepath.Join(work, backend+"-depth-files")
	d, err := seedDB(rep, dbURL, storage, backend+" (depth)", o.depthUsers, 0)
	if err != nil {
		return err
	}
	svc, base, err := startPair(o, bins, work, backend+"-depth", dbURL, storage)
	if err != nil {
		return err
	}
	svc.metricsToken = d.admin
	defer base.stop()
	defer svc.stop()
	const page = 1000
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cursor, err := idCursor(ctx, svc.base, d.admin, (page-1)*50)
	if err != nil {
		return err
	}
	var pages []scenario
	for _, v := range []struct{ label, query string }{{"", pageQuery}, {" without pageInfo", pageQueryNoInfo}} {
		pages = append(pages,
			scenario{Name: "GraphQL users page 1" + v.label, Kind: "graphql-read", Method: "POST", Path: "/graphql", Token: d.admin,
				Body: gqlBody("UsersPage", v.query, map[string]any{"first": 50})},
			scenario{Name: "GraphQL users page 1000" + v.label, Kind: "graphql-read", Method: "POST", Path: "/graphql", Token: d.admin,
				Body: gqlBody("UsersPage", v.query, map[string]any{"first": 50, "after": cursor})})
	}
	_, body, err := fetch(ctx, "POST", svc.base+"/graphql", d.admin, pages[1].Body)
	if err != nil {
		return err
	}
	want := userGID((page-1)*50 + 1)
	if !bytes.Contains(body, []byte(`"id":"`+want+`"`)) || bytes.Count(body, []byte(`"node"`)) != 50 {
		return fmt.Errorf("page %d does not start at user %d: %.300s", page, (page-1)*50+1, body)
	}
	for _, c := range o.conns {
		for _, sc := range pages {
			m, err := measure(o, bins["load"], svc, sc, c, backend+", "+strconv.Itoa(o.depthUsers)+" users", 0)
			if err != nil {
				return err
			}
			rep.Depth = append(rep.Depth, m)
		}
	}
	return nil
}

// idCursor asks the service for the cursor of the user with id in the
// default order: cursors are opaque, encrypted with the service's secret.
func idCursor(ctx context.Context, base, token string, id int) (string, error) {
	body := gqlBody("Cursor", `query Cursor($id: ID!) { users(first: 1, where: {id: $id}) { edges { cursor } } }`,
		map[string]any{"id": userGID(id)})
	_, out, err := fetch(ctx, "POST", base+"/graphql", token, body)
	if err != nil {
		return "", err
	}
	var res struct {
		Data struct {
			Users struct{ Edges []struct{ Cursor string } }
		}
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Data.Users.Edges) != 1 {
		return "", fmt.Errorf("no cursor for user %d: %.300s", id, out)
	}
	return res.Data.Users.Edges[0].Cursor, nil
}

// userGID is the GraphQL id of the user with id.
func userGID(id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ub:" + strconv.Itoa(id)))
}

// profile saves a CPU profile of the service while a run goes on.
func profile(p *proc, o options, sc scenario, backend string) chan error {
	done := make(chan error, 1)
	go func() {
		secs := int((o.warmup + o.duration).Seconds())
		resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", p.base, max(1, secs)))
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		if err := os.MkdirAll(o.pprofDir, 0o755); err != nil {
			done <- err
			return
		}
		slug := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, backend+"-"+sc.Name)
		f, err := os.Create(filepath.Join(o.pprofDir, slug+".pprof"))
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		_, err = io.Copy(f, resp.Body)
		done <- err
	}()
	return done
}
