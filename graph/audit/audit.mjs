// Runs graphql-http's GraphQL-over-HTTP audit against a running server:
//
//	node audit.mjs http://127.0.0.1:PORT/graphql
//
// Prints each result that is not ok, then the counts. Exits 1 on any error,
// and on any warning not listed in allowedWarnings (each one documented in
// the README's Decisions).
import { auditServer } from 'graphql-http';

const allowedWarnings = new Map([
]);

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
let failed = false;
for (const r of results) {
  counts[r.status]++;
  if (r.status === 'ok') continue;
  const allowed = r.status === 'warn' && allowedWarnings.has(r.id);
  if (r.status === 'error' || (r.status === 'warn' && !allowed)) failed = true;
  console.log(`${r.status}${allowed ? ' (allowed)' : ''} ${r.id} ${r.name}: ${r.reason}`);
  if (!allowed && r.response) {
    const body = await r.response.text().catch(() => '');
    console.log(`  ${r.response.status} ${body.slice(0, 300)}`);
  }
}
console.log(`audit of ${url}: ${counts.ok} ok, ${counts.warn} warn, ${counts.notice} notice, ${counts.error} error`);
process.exit(failed ? 1 : 0);
