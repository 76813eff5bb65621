/**
 * Setup for the `webgpu` vitest project: starts WebGPU once per worker and says which adapter
 * it got. Without an adapter, CI (CI=true) fails loudly; elsewhere the suites skip themselves
 * (each uses `describe.skipIf(!hasWebGPU())`) after one printed line saying why.
 */
import { adapterInfo, destroyWebGPU, initWebGPU, TensorError, webgpuBackend } from '@webgrad/tensor';
import { afterAll } from 'vitest';

let reason: string | undefined;

try {
  const info = await initWebGPU();
  if (!process.env.WEBGRAD_QUIET_SETUP) {
    console.log(`webgpu tests on ${info.backend} (${info.featureLevel}): ${info.description}`);
    process.env.WEBGRAD_QUIET_SETUP = '1';
  }
} catch (e) {
  if (process.env.CI === 'true' || !(e instanceof TensorError)) throw e;
  reason = e.message;
  console.log(`webgpu tests SKIPPED: ${reason}`);
}

afterAll(async () => {
  // Surface any error left in the queue by the last file, rather than losing it.
  try {
    await webgpuBackend()?.sync();
  } finally {
    // Each test file gets fresh modules; release its device so the worker can exit.
    destroyWebGPU();
  }
});

/** Whether the suites can run (false only outside CI without a driver). */
export function hasWebGPU(): boolean {
  return reason === undefined && adapterInfo() !== undefined;
}
