/**
 * Memory without tidy: a PyTorch-style loop (no tidy, no dispose, `await loss.item()` each step)
 * keeps live tensors and RSS flat on the CPU, because the GC net collects what became
 * unreachable and lets its finalizers run at the readback. Before the net, the same loop kept
 * 48 dead tensors per step (96,000 after 2000 steps) and RSS grew linearly.
 */
import { memory, ones, type Tensor } from '@webgrad/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { peak, pytorchStyleLoop } from './pytorch-loop.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a PyTorch-style loop without tidy (CPU)', () => {
  it('runs 2000 steps with live tensors and RSS flat after warm-up, and no warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    const { samples, losses } = await pytorchStyleLoop('cpu', 2000);
    // It trains (the same 64 batches over and over): the mean loss of the last 100 steps is lower.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-100))).toBeLessThan(mean(losses.slice(0, 100)));
    // 48 tensors per step die each step; the net keeps the live count within twice the
    // survivors plus its 10,000 floor, and the second half peaks no higher than the first.
    const early = peak(samples, 'tensors', 250, 1000);
    const late = peak(samples, 'tensors', 1000, 2000);
    expect(late).toBeLessThan(15_000);
    expect(late).toBeLessThanOrEqual(early * 1.25 + 500);
    // RSS: the second half grows by less than 24 MiB (the leak grew ~36 MiB per 1000 steps here).
    expect(peak(samples, 'rssMiB', 1000, 2000) - peak(samples, 'rssMiB', 250, 1000)).toBeLessThan(24);
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns once, naming tidy and dispose, when live tensors keep growing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const before = memory().cpu?.tensors ?? 0;
    const held: Tensor[] = [];
    for (let i = 0; i < 200_000; i++) {
      held.push(ones([1]));
      if (i % 1000 === 0) await held[i]?.item();
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/live tensors keep growing.*dispose\(\).*tidy/s);
    for (const t of held) t.dispose();
    // (The net may meanwhile have freed dead tensors of the test before: at most as many.)
    expect(memory().cpu?.tensors).toBeLessThanOrEqual(before);
  });
});
