#!/usr/bin/env bash
# Audits the real server against GraphQL-over-HTTP (graphql-http's
# auditServer): builds the binary, serves it on a free loopback port with a
# temporary SQLite database, waits for /readyz, runs audit.mjs, stops it.
# Fails on any audit error (and on any warning audit.mjs does not allow).
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
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log"; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" || { echo "server not ready"; cat "$tmp/server.log"; exit 1; }
node audit.mjs "http://127.0.0.1:$port/graphql" || { echo "--- server log (tail)"; tail -n 40 "$tmp/server.log"; exit 1; }
