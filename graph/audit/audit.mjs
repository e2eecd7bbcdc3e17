// Runs graphql-http's GraphQL-over-HTTP audit against a running server:
//
//	node audit.mjs http://127.0.0.1:PORT
//
// Waits (20 s at most) for PORT/readyz, audits PORT/graphql, prints each
// result that is not ok, then the counts. Exits 1 on any error, and on any
// warning or notice: the server passes every audit (were one unavoidable,
// it would be listed in allowed with the reason, and in the README's
// Decisions).
import { auditServer } from 'graphql-http';

const allowed = new Map([
  // ['ID', 'why gqlgen cannot do otherwise'],
]);

const base = process.argv[2];
if (!base) {
  console.error('usage: node audit.mjs http://HOST:PORT');
  process.exit(2);
}
const deadline = Date.now() + 20_000;
for (;;) {
  const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
  if (ready) break;
  if (Date.now() > deadline) {
    console.error(`${base}/readyz did not answer 200 within 20 s`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}
const url = `${base}/graphql`;
const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
let failed = false;
for (const r of results) {
  counts[r.status]++;
  if (r.status === 'ok') continue;
  const ok = allowed.has(r.id) && r.status !== 'error';
  if (!ok) failed = true;
  console.log(`${r.status}${ok ? ' (allowed: ' + allowed.get(r.id) + ')' : ''} ${r.id} ${r.name}: ${r.reason}`);
  if (!ok && r.response) {
    const body = await r.response.text().catch(() => '');
    console.log(`  ${r.response.status} ${body.slice(0, 300)}`);
  }
}
console.log(`audit of ${url}: ${counts.ok} ok, ${counts.warn} warn, ${counts.notice} notice, ${counts.error} error`);
process.exit(failed ? 1 : 0);
