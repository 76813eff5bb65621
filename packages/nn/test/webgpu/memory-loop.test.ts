/**
 * Memory without tidy on WebGPU: the PyTorch-style loop (no tidy, no dispose, `await
 * loss.item()` each step) keeps live tensors, live GPU bytes and RSS flat over 2000 steps.
 * Dead tensors' GPU buffers go back to the pool when the GC net's finalizers run.
 */
import { memory } from '@webgrad/tensor';
import { describe, expect, it, vi } from 'vitest';
import { hasWebGPU } from '../../../tensor/test/webgpu/setup.js';
import { peak, pytorchStyleLoop } from '../pytorch-loop.js';

describe.skipIf(!hasWebGPU())('a PyTorch-style loop without tidy (WebGPU)', () => {
  it('runs 2000 steps with live tensors and RSS flat after warm-up, and no warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    const { samples, losses } = await pytorchStyleLoop('webgpu', 2000, 'sgd');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-100))).toBeLessThan(mean(losses.slice(0, 100)));
    const early = peak(samples, 'tensors', 250, 1000);
    const late = peak(samples, 'tensors', 1000, 2000);
    console.log(
      `webgpu loop: peak live tensors ${early} (steps 250-999), ${late} (1000-1999); GPU bytes now ${memory().webgpu?.bytes}`,
    );
    expect(late).toBeLessThan(15_000);
    expect(late).toBeLessThanOrEqual(early * 1.25 + 500);
    expect(peak(samples, 'rssMiB', 1000, 2000) - peak(samples, 'rssMiB', 250, 1000)).toBeLessThan(32);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  }, 600_000); // ~10-40 ms a step on lavapipe, mostly fixed per-dispatch and readback cost
});
