/**
 * Reading a view of a big GPU buffer copies back only the view's window: one element of a
 * 4M-element tensor is 4 bytes through the readback buffer, not 16 MiB.
 */
import { arange, type WebGpuBackend, webgpuBackend } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from './setup.js';

describe.skipIf(!hasWebGPU())('webgpu readback of a window', () => {
  const N = 4 * 1024 * 1024;

  it('one element of a 4M-element tensor reads 4 bytes', async () => {
    const backend = webgpuBackend() as WebGpuBackend;
    const big = arange(N, undefined, 1, { dtype: 'int32', device: 'webgpu' }).add(7);
    await backend.sync();
    const before = backend.stream.bytesCopiedOut;
    expect(await big.slice([3_000_001, 3_000_002]).item()).toBe(3_000_008);
    expect(backend.stream.bytesCopiedOut - before).toBe(4);
    // A row in the middle of a 2-d view: its own 16 bytes.
    const rows = big.reshape(1024, 4096);
    const mid = backend.stream.bytesCopiedOut;
    expect(Array.from(await rows.slice(513, [8, 12]).data())).toEqual([0, 1, 2, 3].map((k) => 513 * 4096 + 8 + k + 7));
    expect(backend.stream.bytesCopiedOut - mid).toBe(16);
    big.dispose();
  });

  it('a strided view is compacted on the GPU first, then read at its own size', async () => {
    const backend = webgpuBackend() as WebGpuBackend;
    const big = arange(N, undefined, 1, { dtype: 'int32', device: 'webgpu' });
    const before = backend.stream.bytesCopiedOut;
    const col = big.reshape(1024, 4096).slice([null, null, 256], 5); // 4 rows, one column
    expect(Array.from(await col.data())).toEqual([0, 256, 512, 768].map((r) => r * 4096 + 5));
    expect(backend.stream.bytesCopiedOut - before).toBe(16);
    big.dispose();
  });
});
