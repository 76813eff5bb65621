// Builds the page into examples/web/dist: main.ts bundled for the browser by esbuild (the
// packages from source through their `source` export condition, no Node shims), and index.html.
// Used by `pnpm --filter examples web:build` and by the end-to-end test.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Bundles the page into `outDir` (default examples/web/dist); resolves with esbuild's metafile. */
export async function buildWebPage(outDir = join(here, 'dist')) {
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(here, 'src/main.ts')],
    outfile: join(outDir, 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['source'],
    minify: true,
    sourcemap: true,
    metafile: true,
    // The op-spec helpers read FC_NUM_RUNS from the environment in Node; the page has none.
    define: { 'process.env.FC_NUM_RUNS': 'undefined' },
    logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(outDir, 'index.html'));
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const meta = await buildWebPage(process.argv[2]);
  const bytes = Object.values(meta.outputs).reduce((s, o) => s + (o.bytes ?? 0), 0);
  console.log(`web: built examples/web/dist (${(bytes / 1024).toFixed(0)} KiB with source map)`);
}
