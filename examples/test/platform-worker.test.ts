/**
 * Workers from the platform seam never hold a Node process open: a child process that starts a
 * worker and leaves it running still exits on its own. While the child holds the worker with
 * keepAlive(true) it gets the worker's reply; without that, the process does not wait for it.
 * The child is the seam's Node module bundled by esbuild (Node cannot run the TypeScript source).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(EXAMPLES, 'out/platform-worker');

const child = (keepAlive: boolean) => `import { platform } from '@webgrad/tensor';
const w = platform.startWorker('self.onmessage = (e) => postMessage(e.data + 1);');
${keepAlive ? 'w.keepAlive(true);' : ''}
const reply = new Promise((resolve) => w.onMessage(resolve));
w.postMessage(41);
console.log('reply', await reply);
w.keepAlive(false);
`;

async function bundleChild(name: string, keepAlive: boolean): Promise<string> {
  const file = join(OUT, `${name}.mjs`);
  await build({
    stdin: { contents: child(keepAlive), resolveDir: EXAMPLES, sourcefile: `${name}.js`, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['source'],
    outfile: file,
    logLevel: 'silent',
    // The bundle is ESM; the WebGPU entry's dynamic import of `webgpu` stays a runtime import.
    external: ['webgpu'],
  });
  return file;
}

function run(file: string) {
  return spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
}

describe('platform workers in Node', () => {
  beforeAll(() => {
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'package.json'), '{ "type": "module" }\n');
  });

  it('a process holding its worker with keepAlive gets the reply, then exits with the worker still running', async () => {
    const r = run(await bundleChild('keep-alive', true));
    expect(r.error).toBeUndefined(); // a timeout would mean the worker kept the process alive
    expect(r.stdout.trim()).toBe('reply 42');
    expect(r.status).toBe(0);
  });

  it('an unheld worker does not keep the process alive, even with a reply pending', async () => {
    const r = run(await bundleChild('unheld', false));
    expect(r.error).toBeUndefined();
    expect(r.stdout).not.toContain('reply');
    expect(r.status).toBe(13); // Node's exit code for a top-level await that never settled
  });
});
