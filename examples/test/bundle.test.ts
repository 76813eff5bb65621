/**
 * The four packages bundle for a browser as shipped: esbuild, platform 'browser', no shims, no
 * externals, code splitting on. Fails on any Node built-in (an unresolved `node:` import is a
 * build error; a `node:` specifier, an import of `fs`/`worker_threads`/..., `require(` or
 * `process.` left in the output fails the scan). Also checks that the CPU-only part (the entry
 * chunk) does not contain the WebGPU backend or its WGSL generators: those are a separate chunk,
 * loaded by initWebGPU().
 * Prints minified and gzipped sizes (the README's "In the browser" table).
 *
 * Two variants: from source (the `source` export condition, always) and from dist (the packages'
 * published `exports`/`imports` maps; after `pnpm build`, skipped with a note before).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['tensor', 'autograd', 'nn', 'abba'].map((p) => join(EXAMPLES, '../packages', p));

/** Newest modification time under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true }))
    t = Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs);
  return t;
}

/** Why the dist variant cannot run (a package not built, or built before its latest source edit). */
function distProblem(): string | undefined {
  for (const p of PACKAGES) {
    const built = existsSync(join(p, 'dist/index.js')) ? statSync(join(p, 'dist/index.js')).mtimeMs : 0;
    if (built === 0) return `${p.split('/').pop()} has no dist`;
    if (newest(join(p, 'src')) > built) return `${p.split('/').pop()}/dist is older than its src`;
  }
  return undefined;
}
const DIST_PROBLEM = distProblem();

const ENTRY = `export * as tensor from '@webgrad/tensor';
export * as autograd from '@webgrad/autograd';
export * as nn from '@webgrad/nn';
export * as abba from '@webgrad/abba';
`;

/** Node-only traces in bundled output: module specifiers, CommonJS require, the process global. */
const NODE_TRACES: [string, RegExp][] = [
  ['a node: specifier', /["'`]node:[a-z_/]+["'`]/],
  [
    'an import of a Node built-in',
    /(\bfrom|\bimport\s*\(|\brequire\s*\()\s*["'`](fs|fs\/promises|path|os|crypto|async_hooks|worker_threads|child_process|url|zlib|v8|vm)["'`]/,
  ],
  ['require(', /\brequire\s*\(/],
  ['a process. access', /\bprocess\.[A-Za-z_$]/],
];

interface Chunk {
  path: string;
  text: string;
  inputs: string[];
  isEntry: boolean;
}

async function bundle(conditions: string[]): Promise<Chunk[]> {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: EXAMPLES, sourcefile: 'entry.js', loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    minify: true,
    conditions,
    outdir: join(EXAMPLES, 'out/bundle-test'),
    absWorkingDir: EXAMPLES,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const meta: Metafile = result.metafile;
  return result.outputFiles
    .filter((f) => f.path.endsWith('.js'))
    .map((f) => {
      const key = Object.keys(meta.outputs).find((k) => resolve(EXAMPLES, k) === f.path) as string;
      const out = meta.outputs[key];
      return {
        path: key,
        text: f.text,
        inputs: Object.keys(out?.inputs ?? {}),
        isEntry: out?.entryPoint === 'entry.js',
      };
    });
}

function kib(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB`;
}

function checkChunks(chunks: Chunk[], label: string): void {
  for (const c of chunks) {
    for (const [what, re] of NODE_TRACES) {
      const m = re.exec(c.text);
      expect(
        m,
        `${label}: ${c.path} contains ${what}: ...${m ? c.text.slice(Math.max(0, m.index - 60), m.index + 60) : ''}...`,
      ).toBeNull();
    }
    expect(
      c.inputs.filter((i) => /platform\/node\.(ts|js)$/.test(i)),
      `${label}: ${c.path} bundles the Node platform`,
    ).toEqual([]);
  }
  const entry = chunks.filter((c) => c.isEntry);
  expect(entry).toHaveLength(1);
  const cpuOnly = entry[0] as Chunk;
  const gpuInputs = cpuOnly.inputs.filter((i) => /backends\/webgpu\/(wgsl\/|kernels|backend|pipelines|fusion)/.test(i));
  expect(gpuInputs, `${label}: the entry chunk statically includes the WebGPU backend`).toEqual([]);
  const all = chunks.flatMap((c) => c.inputs);
  expect(
    all.some((i) => i.includes('backends/webgpu/wgsl/')),
    `${label}: the WebGPU chunk is missing`,
  ).toBe(true);
  const rows = chunks.map((c) => {
    const bytes = Buffer.byteLength(c.text);
    return `${c.isEntry ? 'entry (CPU)' : c.inputs.some((i) => i.includes('webgpu/backend')) ? 'WebGPU chunk' : 'chunk'}: ${kib(bytes)} min, ${kib(gzipSync(c.text).length)} gzip`;
  });
  const total = chunks.reduce((s, c) => s + Buffer.byteLength(c.text), 0);
  const totalGz = chunks.reduce((s, c) => s + gzipSync(c.text).length, 0);
  console.log(`browser bundle (${label}): ${rows.join('; ')}; total ${kib(total)} min, ${kib(totalGz)} gzip`);
}

describe('the four packages bundle for a browser with no Node built-ins', () => {
  it('from source (the source export condition)', async () => {
    checkChunks(await bundle(['source']), 'source');
  });

  it.skipIf(DIST_PROBLEM !== undefined)('from dist, through the published exports/imports maps', async () => {
    checkChunks(await bundle([]), 'dist');
  });
  if (DIST_PROBLEM) console.log(`bundle test: dist variant skipped (${DIST_PROBLEM}); run \`pnpm build\` first`);
});
