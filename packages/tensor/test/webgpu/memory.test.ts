/**
 * GPU memory stays flat in a training-like loop: 1000 iterations of matmul, add, relu, sum and
 * an update inside tidy, with `memory().webgpu` counting live tensors and bytes exactly and the
 * pool absorbing the temporaries (freed buffers are reused, not reallocated).
 */
import { memory, randn, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from './setup.js';

// Skipped only when setup found no adapter outside CI (it printed why); under CI=true setup throws.
describe.skipIf(!hasWebGPU())('webgpu memory', () => {
  it('reports live tensors, bytes and pooled bytes', () => {
    const before = memory().webgpu ?? { tensors: 0, bytes: 0, pooledBytes: 0 };
    const t = randn([10, 10], { seed: 1, device: 'webgpu' });
    expect(memory().webgpu?.tensors).toBe(before.tensors + 1);
    expect(memory().webgpu?.bytes).toBe(before.bytes + 400);
    const pooled = memory().webgpu?.pooledBytes ?? 0;
    t.dispose();
    expect(memory().webgpu?.bytes).toBe(before.bytes);
    expect(memory().webgpu?.pooledBytes).toBeGreaterThan(pooled);
  });

  it('live GPU bytes stay flat over 1000 tidy iterations', async () => {
    const x = randn([32, 64], { seed: 1, device: 'webgpu' });
    let w = randn([64, 16], { seed: 2, device: 'webgpu' });
    const b = randn([16], { seed: 3, device: 'webgpu' });
    const start = memory().webgpu;
    let pooledAfterWarmup = 0;
    let loss = 0;
    for (let i = 0; i < 1000; i++) {
      const next = tidy(() => {
        const h = x.matmul(w).add(b).relu(); // [32, 16]
        const l = h.sum();
        // A stand-in for an update step: w - 1e-4 * (x^T h) keeps w the same shape.
        return { w: w.sub(x.transpose().matmul(h).mul(1e-4)), l };
      });
      w.dispose();
      w = next.w;
      if (i % 250 === 249) loss = await next.l.item();
      next.l.dispose();
      if (i === 10) pooledAfterWarmup = memory().webgpu?.pooledBytes ?? 0;
    }
    const end = memory().webgpu;
    expect(Number.isFinite(loss)).toBe(true);
    expect(end?.tensors).toBe(start?.tensors);
    expect(end?.bytes).toBe(start?.bytes);
    // The pool is reused, not grown: same working set every iteration.
    expect(end?.pooledBytes).toBeLessThanOrEqual(pooledAfterWarmup);
    for (const t of [x, w, b]) t.dispose();
  });
});
