/**
 * The GC net under tensors nobody disposed (src/gc-net.ts): a loop that only makes temporaries and
 * awaits a CPU readback now and then stays bounded, because the net forces a collection once
 * live tensors pass twice the survivors plus its floor and the readback lets the finalizers run.
 * Tensors made inside tidy never reach the net, so tidy code pays for no collection at all.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { memory, ones, type Tensor, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { netStats } from '../src/gc-net.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const live = () => memory().cpu?.tensors ?? 0;
const liveBytes = () => memory().cpu?.bytes ?? 0;

/** Collects garbage after the current job and lets the finalizer callbacks run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
  await new Promise((r) => setTimeout(r, 0));
}

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

  // Tensors wait in a queue before they are registered with the finalizer (most are disposed
  // first). A queued tensor must still be freed when dropped, and one disposed or reassigned
  // while queued must be released exactly once.
  it('frees dropped tensors that waited in its queue (sync bursts past the queue size too)', async () => {
    await collect();
    const [tensors, bytes] = [live(), liveBytes()];
    let kept: Tensor[] = [];
    for (let i = 0; i < 1000; i++) kept.push(ones([8]).neg()); // two tensors each
    expect(live() - tensors).toBe(2000);
    kept = [];
    await collect();
    expect(live()).toBe(tensors);
    expect(liveBytes()).toBe(bytes);
    expect(kept).toEqual([]);
  });

  it('releases a tensor disposed or reassigned while queued exactly once', async () => {
    await collect();
    const [tensors, bytes] = [live(), liveBytes()];
    for (let i = 0; i < 10; i++) ones([8]).dispose();
    let a: Tensor | undefined = ones([8]);
    const b = ones([8]).neg(); // and a dead ones([8])
    a.assign(b); // while a waits in the queue: the net must guard b's storage, not a's old one
    b.dispose();
    expect(a.dataSync()[0]).toBe(-1);
    expect(live() - tensors).toBe(2);
    a = undefined;
    await collect();
    expect(live()).toBe(tensors);
    expect(liveBytes()).toBe(bytes);
  });
});
