#!/usr/bin/env bash
# Audits the real server against GraphQL-over-HTTP (graphql-http's
# auditServer, pinned in package-lock.json): builds the binary, serves it on
# a free loopback port with a temporary SQLite database and storage, runs
# audit.mjs (which waits for /readyz), then stops the server. Fails on any
# error, warning or notice the audit reports. Needs only Go, Node and npm.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

npm ci --no-audit --no-fund --loglevel=error
(cd ../.. && go build -o "$tmp/userbridge" .)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$tmp/userbridge" serve --addr "127.0.0.1:$port" --database "sqlite://$tmp/audit.db" \
  --storage "file://$tmp/files" --public-url "http://127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
pid=$!
if ! node audit.mjs "http://127.0.0.1:$port"; then
  echo "--- server log (last lines)"; tail -n 20 "$tmp/server.log"; exit 1
fi
