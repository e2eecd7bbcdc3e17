package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// The peer: PostGraphile (the postgraphile npm package, version 5) on the
// same PostgreSQL tables, which issue 20 compared userbridge with. It needs
// Node 22 (Node 20 lacks Promise.withResolvers); both come from npm into
// bench/peer/node_modules:
//
//	mkdir -p bench/peer && cd bench/peer && npm install node@22 postgraphile@5
//
// peerNote says whether the peer can run here and, when it cannot, why and
// how to install it. Starting it and translating the scenarios into its
// schema (allUsers, filesByOwnerId) is not done by this harness yet: when
// both are found, the note says so instead of measuring.
func peerNote(o options, root string) string {
	const install = "install with `mkdir -p bench/peer && cd bench/peer && npm install node@22 postgraphile@5`"
	if o.postgres == "" {
		return "PostGraphile not measured: it serves PostgreSQL only and TEST_POSTGRES_URL is not set"
	}
	bin := filepath.Join(root, "bench", "peer", "node_modules", ".bin")
	node, major, err := nodeVersion(bin)
	if err != nil {
		return fmt.Sprintf("PostGraphile not measured: no Node.js (%v); %s", err, install)
	}
	if major < 22 {
		return fmt.Sprintf("PostGraphile not measured: %s is Node %d, PostGraphile 5 needs 22; %s", node, major, install)
	}
	pg := filepath.Join(bin, "postgraphile")
	if _, err := os.Stat(pg); err != nil {
		if pg, err = exec.LookPath("postgraphile"); err != nil {
			return "PostGraphile not measured: the postgraphile package is not installed; " + install
		}
	}
	return fmt.Sprintf("PostGraphile not measured: found %s and Node %d (%s), but this harness does not start it yet (bench/peer.go)", pg, major, node)
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
