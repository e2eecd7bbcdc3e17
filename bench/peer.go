package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The peer: PostGraphile (the postgraphile npm package, version 5, amber
// preset, production mode) serving the same PostgreSQL tables, which issue
// 20 compared userbridge with. It needs Node 22 (Node 20 lacks
// Promise.withResolvers); both come from npm into bench/peer/node_modules
// (ignored by git):
//
//	mkdir -p bench/peer && cd bench/peer && npm install node@22 postgraphile@5
//
// PostGraphile does no authentication or authorization here: it reads the
// tables as the database user. userbridge checks its token and runs its
// policy on every request.
const peerInstall = "install with `mkdir -p bench/peer && cd bench/peer && npm install node@22 postgraphile@5`"

// peer is an installed PostGraphile.
type peer struct {
	node, cli string
}

// findPeer says whether the peer can run here and, when it cannot, why and
// how to install it.
func findPeer(o options, root string) (*peer, string) {
	if o.postgres == "" || !slices.Contains(o.backends, "postgres") {
		return nil, "PostGraphile not measured: it serves PostgreSQL only, and TEST_POSTGRES_URL is not set or -backends leaves it out"
	}
	modules := filepath.Join(root, "bench", "peer", "node_modules")
	node, major, err := nodeVersion(filepath.Join(modules, ".bin"))
	if err != nil {
		return nil, fmt.Sprintf("PostGraphile not measured: no Node.js (%v); %s", err, peerInstall)
	}
	if major < 22 {
		return nil, fmt.Sprintf("PostGraphile not measured: %s is Node %d, PostGraphile 5 needs 22; %s", node, major, peerInstall)
	}
	cli := filepath.Join(modules, "postgraphile", "dist", "cli-run.js")
	if _, err := os.Stat(cli); err != nil {
		return nil, "PostGraphile not measured: the postgraphile package is not installed in bench/peer; " + peerInstall
	}
	version := "?"
	if b, err := os.ReadFile(filepath.Join(modules, "postgraphile", "package.json")); err == nil {
		var pkg struct{ Version string }
		if json.Unmarshal(b, &pkg) == nil {
			version = pkg.Version
		}
	}
	return &peer{node: node, cli: cli}, fmt.Sprintf("PostGraphile %s (amber preset, production mode) on Node %d measured beside the service on the PostgreSQL tables", version, major)
}

// nodeVersion finds node in bin, else on PATH, and returns its path and
// major version.
func nodeVersion(bin string) (string, int, error) {
	node := filepath.Join(bin, "node")
	if _, err := os.Stat(node); err != nil {
		if node, err = exec.LookPath("node"); err != nil {
			return "", 0, err
		}
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return node, 0, err
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil {
		return node, 0, fmt.Errorf("node --version: %q", out)
	}
	return node, major, nil
}

// start runs PostGraphile on the schema dbURL names.
func (pg *peer) start(o options, work, dbURL string) (*proc, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, err
	}
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	p, err := startReady("postgraphile", pg.node, filepath.Join(work, "postgraphile.log"),
		[]string{"NODE_ENV=production", "GRAPHILE_ENV=production"}, graphqlReady,
		pg.cli, "-P", "postgraphile/presets/amber", "-c", u.String(), "-s", schema, "-n", "127.0.0.1", "-p", "PORT")
	if err != nil {
		return nil, err
	}
	p.noMetrics = true
	return p, nil
}

func graphqlReady(base string) bool {
	resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{__typename}"}`))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// peerPair is one query as userbridge and PostGraphile spell it; the
// answers hold the same users and files.
type peerPair struct {
	service, peer scenario
}

// PostGraphile's spelling of the queries: rowId is the table's id
// (a BigInt), fileByAvatarId and filesByOwnerId follow the foreign keys,
// both ordered by primary key as userbridge's are.
const (
	peerUserQuery = `query Viewer($id: BigInt!) { userByRowId(rowId: $id) { rowId publicId email firstName lastName displayName role flags status createdAt } }`
	peerPageQuery = `query UsersPage($first: Int!) { allUsers(first: $first) { edges { node { rowId publicId email firstName lastName } } } }`
	peerFilesPage = `query UsersFilesPage($first: Int!) { allUsers(first: $first) { edges { node { rowId publicId email ` +
		`fileByAvatarId { rowId name } filesByOwnerId(first: 5) { edges { node { rowId name size } } } } } } }`
	peerFilesPageCount = `query UsersFilesPage($first: Int!) { allUsers(first: $first) { edges { node { rowId publicId email ` +
		`fileByAvatarId { rowId name } filesByOwnerId(first: 5) { totalCount edges { node { rowId name size } } } } } } }`
	// scalarPageQuery is userbridge's page of 50 with scalar fields only,
	// measured against the peer alone.
	scalarPageQuery = `query UsersPage($first: Int!) { users(first: $first) { edges { node { id publicID email firstName lastName } } } }`
)

func peerPairs(d dataset) []peerPair {
	pair := func(name, token, op, svcQuery string, svcVars map[string]any, peerQuery string, peerVars map[string]any) peerPair {
		return peerPair{
			service: scenario{Name: name, Kind: "graphql-read", Method: "POST", Path: "/graphql", Token: token, Body: gqlBody(op, svcQuery, svcVars)},
			peer:    scenario{Name: name, Kind: "graphql-read", Method: "POST", Path: "/graphql", Token: token, Body: gqlBody(op, peerQuery, peerVars)},
		}
	}
	fifty := map[string]any{"first": 50}
	return []peerPair{
		pair("one user (viewer / userByRowId)", d.viewer, "Viewer", viewerQuery, nil, peerUserQuery, map[string]any{"id": strconv.Itoa(d.viewerID)}),
		pair("page of 50 users, scalar fields", d.admin, "UsersPage", scalarPageQuery, fifty, peerPageQuery, fifty),
		pair("page of 50 with avatar and files(first: 5)", d.admin, "UsersFilesPage", filesPageQuery, fifty, peerFilesPage, fifty),
		pair("page of 50 with avatar and files(first: 5) + totalCount", d.admin, "UsersFilesPage", filesPageCountQuery, fifty, peerFilesPageCount, fifty),
	}
}

// runPeer starts PostGraphile beside the running service and measures each
// pair at every connection count, o.peerRounds times, alternating which
// server goes first from one round to the next.
func runPeer(o options, rep *report, bins map[string]string, work, dbURL string, d dataset, svc *proc, pg *peer) error {
	peerProc, err := pg.start(o, work, dbURL)
	if err != nil {
		return err
	}
	defer peerProc.stop()
	m := peerProc.status()
	rep.Notes = append(rep.Notes, fmt.Sprintf("postgraphile: RSS after start %.0f MiB (%.0f of it file pages)", m["VmRSS"], m["RssFile"]))
	pairs := peerPairs(d)
	for _, pp := range pairs {
		if o.only != "" && !matches(o.only, pp.service.Name) {
			continue
		}
		note, err := sameAnswers(svc, peerProc, pp)
		if err != nil {
			return err
		}
		logf("postgres: peer check %s: %s", pp.service.Name, note)
		rep.Notes = append(rep.Notes, fmt.Sprintf("peer check, %s: %s", pp.service.Name, note))
	}
	for round := range o.peerRounds {
		for _, pp := range pairs {
			if o.only != "" && !matches(o.only, pp.service.Name) {
				continue
			}
			for _, c := range o.conns {
				order := []struct {
					p  *proc
					sc scenario
				}{{svc, pp.service}, {peerProc, pp.peer}}
				if round%2 == 1 {
					order[0], order[1] = order[1], order[0]
				}
				for _, t := range order {
					m, err := measure(o, bins["load"], t.p, t.sc, c, "postgres", 0)
					if err != nil {
						return err
					}
					m.Round = round + 1
					rep.Peer = append(rep.Peer, m)
				}
			}
		}
	}
	return nil
}

// sameAnswers checks that both servers answer the pair without errors and
// with as many users, e-mails and file sizes, and describes the answers.
func sameAnswers(svc, peerProc *proc, pp peerPair) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s1, b1, err := fetch(ctx, "POST", svc.base+"/graphql", pp.service.Token, pp.service.Body)
	if err != nil {
		return "", err
	}
	s2, b2, err := fetch(ctx, "POST", peerProc.base+"/graphql", pp.peer.Token, pp.peer.Body)
	if err != nil {
		return "", err
	}
	if s1 != http.StatusOK || s2 != http.StatusOK || strings.Contains(string(b1), `"errors"`) || strings.Contains(string(b2), `"errors"`) {
		return "", fmt.Errorf("peer check %s: service %d %.300s; postgraphile %d %.300s", pp.service.Name, s1, b1, s2, b2)
	}
	for _, key := range []string{`"email"`, `"size"`, `"totalCount"`} {
		if n1, n2 := strings.Count(string(b1), key), strings.Count(string(b2), key); n1 != n2 {
			return "", fmt.Errorf("peer check %s: %d %s in the service's answer, %d in PostGraphile's", pp.service.Name, n1, key, n2)
		}
	}
	return fmt.Sprintf("same users and files (%d e-mails, %d file sizes); %d bytes (service), %d (PostGraphile)",
		strings.Count(string(b1), `"email"`), strings.Count(string(b1), `"size"`), len(b1), len(b2)), nil
}
