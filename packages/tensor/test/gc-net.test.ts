/**
 * The GC net under tensors nobody disposed (src/gc-net.ts): a loop that only makes temporaries and
 * awaits a CPU readback now and then stays bounded, because the net forces a collection once
 * live tensors pass twice the survivors plus its floor and the readback lets the finalizers run.
 * Tensors made inside tidy never reach the net, so tidy code pays for no collection at all.
 */
import { memory, ones, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { netStats } from '../src/gc-net.js';

const live = () => memory().cpu?.tensors ?? 0;

describe('the GC net', () => {
  it('keeps a loop of undisposed temporaries bounded', async () => {
    const before = netStats.collections;
    let peak = 0;
    let x = ones([1]);
    for (let i = 0; i < 60_000; i++) {
      x = x.add(1).mul(0.5); // two dead tensors per iteration, none disposed
      if (i % 100 === 0) {
        await x.item();
        peak = Math.max(peak, live());
      }
    }
    expect(netStats.collections).toBeGreaterThan(before);
    // Without the net, 120,000 tensors would be live by now (no macrotask ever runs finalizers).
    expect(peak).toBeLessThan(35_000);
    expect(Number.isFinite(await x.item())).toBe(true);
  });

  it('is never asked to collect for tensors made inside tidy', async () => {
    const before = netStats.collections;
    const x = ones([1]);
    for (let i = 0; i < 30_000; i++) {
      tidy(() => {
        x.add(1).mul(0.5).sum(); // returns nothing: all three are disposed as the tidy ends
      });
      if (i % 1000 === 0) await x.item();
    }
    expect(netStats.collections).toBe(before);
    x.dispose();
  });
});
