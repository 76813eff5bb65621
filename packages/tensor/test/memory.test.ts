/**
 * Memory semantics: dispose, tidy, keep, tidyAsync, memory() accounting, and storage shared by
 * views staying alive until the last view is disposed.
 *
 * Counting runs on a CPU backend registered under the device name 'webgpu' (no GPU needed): its
 * counters see only this file's tensors, and it records every alloc and free, so a leak or a
 * double free shows up exactly rather than as a byte count disturbed by garbage collection.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as T from '@webgrad/tensor';
import {
  type Backend,
  CpuBackend,
  keep,
  memory,
  registerBackend,
  type Tensor,
  TensorError,
  tidy,
  tidyAsync,
  unregisterBackend,
} from '@webgrad/tensor';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const counts = { allocs: 0, frees: 0 };

function countingBackend(): Backend {
  const cpu = new CpuBackend();
  return {
    device: 'webgpu',
    alloc: (d, n) => {
      counts.allocs++;
      return cpu.alloc(d, n);
    },
    write: (h, d, data) => cpu.write(h as never, d, data),
    read: (h, d, n, o) => cpu.read(h as never, d, n, o),
    readSync: (h, d, n, o) => cpu.readSync(h as never, d, n, o),
    free: () => {
      counts.frees++;
    },
    run: (prim, inputs, out, attrs) => cpu.run(prim, inputs as never, out as never, attrs),
    pooledBytes: () => 123,
  };
}

const dev = { device: 'webgpu' } as const;
const live = () => counts.allocs - counts.frees;
const stats = () => memory().webgpu ?? { tensors: 0, bytes: 0, pooledBytes: 0 };

beforeAll(() => registerBackend(countingBackend()));
afterAll(() => unregisterBackend('webgpu'));
beforeEach(() => {
  // Every test leaves nothing behind: checked here, before the next one starts.
  expect(stats().tensors).toBe(0);
  expect(stats().bytes).toBe(0);
  expect(live()).toBe(0);
});

describe('memory() and dispose', () => {
  it('counts tensors and bytes per dtype; dispose releases them once', () => {
    const ts = [
      T.zeros([10], { ...dev, dtype: 'float32' }),
      T.zeros([10], { ...dev, dtype: 'float64' }),
      T.zeros([10], { ...dev, dtype: 'int32' }),
      T.zeros([10], { ...dev, dtype: 'bool' }),
    ];
    expect(stats()).toEqual({ tensors: 4, bytes: 40 + 80 + 40 + 10, pooledBytes: 123 });
    for (const t of ts) {
      t.dispose();
      t.dispose(); // idempotent: no double free
    }
    expect(stats().tensors).toBe(0);
    expect(counts.frees).toBe(counts.allocs);
  });

  it('dispose clears grad and marks the tensor disposed', () => {
    const x = T.ones([2], dev);
    x.grad = T.ones([2], dev);
    const g = x.grad;
    x.dispose();
    expect(x.isDisposed).toBe(true);
    expect(x.grad).toBeUndefined();
    g.dispose();
  });

  it('use after dispose throws a disposed TensorError, for ops and reads', async () => {
    const x = T.ones([2, 2], dev);
    x.dispose();
    for (const op of [() => x.sum(), () => x.exp(), () => x.reshape(4), () => x.add(1), () => x.dataSync()]) {
      expect(op).toThrowError(TensorError);
      expect(() => op()).toThrow(/disposed/);
    }
    await expect(x.data()).rejects.toThrow(/disposed/);
  });
});

describe('views share storage', () => {
  it('a view keeps the storage alive until the last holder is disposed', () => {
    const base = T.arange(6, undefined, 1, { ...dev, dtype: 'float32' });
    const view = base.reshape(2, 3);
    const view2 = view.transpose();
    expect(stats()).toMatchObject({ tensors: 3, bytes: 24 });
    base.dispose();
    expect(stats()).toMatchObject({ tensors: 2, bytes: 24 });
    expect(view2.arraySync()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    view.dispose();
    expect(counts.frees).toBe(counts.allocs - 1);
    view2.dispose();
    expect(stats()).toMatchObject({ tensors: 0, bytes: 0 });
    expect(live()).toBe(0);
  });
});

describe('tidy', () => {
  it('disposes intermediates and keeps what is returned (tensor, array, nested object)', () => {
    const x = T.ones([3], dev);
    const single = tidy(() => x.mul(2).add(1).sum());
    expect(single.dataSync()[0]).toBe(9);
    const nested = tidy(() => ({ a: [x.exp(), x.neg()], b: { c: x.mul(3) }, n: 7 }));
    expect(nested.n).toBe(7);
    // Survivors: x, single, three in nested; everything else was disposed.
    expect(stats().tensors).toBe(5);
    for (const t of [x, single, ...nested.a, nested.b.c]) t.dispose();
  });

  it('does not dispose tensors made outside it, even when used or returned', () => {
    const x = T.ones([2], dev);
    const same = tidy(() => {
      x.add(1);
      return x;
    });
    expect(same).toBe(x);
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });

  it('keep() rescues a tensor from the scope', () => {
    const kept: Tensor[] = [];
    tidy(() => {
      kept.push(keep(T.ones([2], dev).mul(5)));
      T.zeros([4], dev);
    });
    expect(stats().tensors).toBe(1);
    expect(Array.from(kept[0]?.dataSync() ?? [])).toEqual([5, 5]);
    kept[0]?.dispose();
  });

  it('nested: an inner result belongs to the outer scope', () => {
    let inner: Tensor | undefined;
    const outer = tidy(() => {
      inner = tidy(() => T.ones([2], dev).add(1));
      expect(inner.isDisposed).toBe(false);
      return inner.mul(2);
    });
    expect(inner?.isDisposed).toBe(true);
    expect(Array.from(outer.dataSync())).toEqual([4, 4]);
    outer.dispose();
  });

  it('a returned view keeps its storage; the base made inside is disposed as a tensor', () => {
    const v = tidy(() => T.arange(4, undefined, 1, { ...dev, dtype: 'float32' }).reshape(2, 2));
    expect(stats().tensors).toBe(1);
    expect(v.arraySync()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    v.dispose();
  });

  it('releases what it made when fn throws', () => {
    expect(() =>
      tidy(() => {
        T.ones([8], dev).exp();
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(stats().tensors).toBe(0);
  });

  it('given an async fn, frees what it made before and after its awaits (as tidyAsync)', async () => {
    const out = await tidy(async () => {
      const a = T.ones([2], dev).add(1);
      await a.data();
      const b = a.mul(3);
      await new Promise((r) => setTimeout(r, 1));
      return b.sum();
    });
    expect(stats().tensors).toBe(1);
    expect(await out.item()).toBe(12);
    out.dispose();
    await expect(
      tidy(async () => {
        T.ones([3], dev).neg();
        await Promise.resolve();
        T.ones([3], dev).exp();
        throw new Error('late');
      }),
    ).rejects.toThrow('late');
    expect(stats().tensors).toBe(0);
  });

  it('async work that outlives its tidy hands later tensors to the GC net, not to the closed scope', async () => {
    let late: Tensor | undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let background!: Promise<void>;
    await tidy(async () => {
      background = (async () => {
        await gate;
        late = T.ones([2], dev);
      })();
    });
    release();
    await background;
    // Alive and usable, owned by nobody but its variable; once dropped, the finalizer frees it.
    expect(Array.from(late?.dataSync() ?? [])).toEqual([1, 1]);
    late = undefined;
    for (let i = 0; i < 3 && stats().tensors > 0; i++) {
      await new Promise((r) => setTimeout(r, 0));
      gc();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(stats().tensors).toBe(0);
  });
});

describe('tidyAsync', () => {
  it('tracks tensors made across awaits and keeps the result', async () => {
    const out = await tidyAsync(async () => {
      const a = T.ones([2], dev).add(1);
      await a.data();
      const b = a.mul(3);
      await new Promise((r) => setTimeout(r, 1));
      return b.sum();
    });
    expect(stats().tensors).toBe(1);
    expect(await out.item()).toBe(12);
    out.dispose();
  });

  it('concurrent scopes do not capture each other’s tensors', async () => {
    const run = (v: number) =>
      tidyAsync(async () => {
        const a = T.full([2], v, dev);
        await new Promise((r) => setTimeout(r, v));
        return a.mul(2);
      });
    const [x, y] = await Promise.all([run(3), run(1)]);
    expect(x.isDisposed || y.isDisposed).toBe(false);
    expect(Array.from(x.dataSync())).toEqual([6, 6]);
    expect(Array.from(y.dataSync())).toEqual([2, 2]);
    expect(stats().tensors).toBe(2);
    x.dispose();
    y.dispose();
  });

  it('releases what it made when fn rejects', async () => {
    await expect(
      tidyAsync(async () => {
        T.ones([3], dev).neg();
        await Promise.resolve();
        throw new Error('late');
      }),
    ).rejects.toThrow('late');
    expect(stats().tensors).toBe(0);
  });
});
