/**
 * "The process exits cleanly after use": a child process that uses the WebGPU backend and never
 * calls destroyWebGPU() must still exit on its own, promptly and with status 0. The child runs
 * the built package (packages/tensor/dist), which `pnpm test` builds first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from './setup.js';

const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

function runChild(body: string): { status: number | null; stdout: string; stderr: string } {
  const script = `import * as wg from ${JSON.stringify(dist)};\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Skipped only outside CI on a machine without a WebGPU driver (see setup.ts).
describe.skipIf(!hasWebGPU())('webgpu process lifetime', () => {
  it('needs the built package', () => {
    expect(existsSync(dist), `${dist} is missing: run pnpm build (pnpm test does)`).toBe(true);
  });

  it('exits with status 0 without destroyWebGPU()', () => {
    const r = runChild(`
      await wg.initWebGPU();
      const x = wg.randn([64, 64], { device: 'webgpu', seed: 1 });
      console.log((await x.matmul(x).sum().item()).toFixed(2));
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(Number.parseFloat(r.stdout)).not.toBeNaN();
  });

  it('exits with status 0 after destroyWebGPU()', () => {
    const r = runChild(`
      await wg.initWebGPU();
      console.log(await wg.ones([4], { device: 'webgpu' }).sum().item());
      wg.destroyWebGPU();
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('4');
  });
});
