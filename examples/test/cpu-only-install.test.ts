/**
 * A CPU-only install, without the optional `webgpu` peer dependency: @webgrad/tensor (bundled for
 * Node by esbuild with `webgpu` left as a runtime import) runs from a temp folder where `webgpu`
 * cannot be resolved. CPU tensors work; initWebGPU() says the package is missing in a
 * TensorError('device'); initWebGPUOrFallback() keeps the CPU.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'webgrad-cpu-only-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT = `import { initWebGPU, initWebGPUOrFallback, tensor } from '@webgrad/tensor';
console.log(JSON.stringify(await tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]])).array()));
try {
  await initWebGPU();
  console.log('webgpu started');
} catch (e) {
  console.log(e.name, e.kind, e.message);
}
console.log('fallback', String(await initWebGPUOrFallback()));
`;

describe('a CPU-only install without the webgpu package', () => {
  it('computes on the CPU and explains the missing optional peer when WebGPU is asked for', async () => {
    const file = join(dir, 'main.mjs');
    await build({
      stdin: { contents: SCRIPT, resolveDir: EXAMPLES, sourcefile: 'main.js', loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      conditions: ['source'],
      outfile: file,
      external: ['webgpu'],
      logLevel: 'silent',
    });
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('[[3],[7]]');
    expect(lines[1]).toMatch(/^TensorError device initWebGPU: no WebGPU adapter .*'webgpu' is not installed/);
    expect(lines[2]).toMatch(/WebGPU unavailable, using the CPU/);
    expect(lines[3]).toBe('fallback undefined');
  });
});
