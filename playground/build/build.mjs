// build.mjs bundles main.jsx and its CSS into ../dist/graphiql.{js,css}.
// The output must be byte-for-byte reproducible because dist/ is committed
// and embedded in the Go binary: no sourcemaps, no timestamps, no absolute
// paths, and every input pinned by package-lock.json.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '..', 'dist');

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: here,
  entryPoints: { graphiql: 'main.jsx' },
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'eof',
  sourcemap: false,
  metafile: false,
  logLevel: 'warning',
});
