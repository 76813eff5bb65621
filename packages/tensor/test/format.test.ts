/**
 * Tensors a person can read: String(t), console.log(t) (util.inspect) and `await t.print()` show
 * dtype, shape, device and the view's values, NumPy-style, with `...` past 1000 elements; the
 * synchronous readers (dataSync, arraySync, itemSync) work on the CPU and raise a clear
 * TensorError on a device that cannot answer synchronously.
 */
import { inspect } from 'node:util';
import {
  arange,
  type Backend,
  CpuBackend,
  memory,
  ones,
  randn,
  registerBackend,
  type Tensor,
  TensorError,
  tensor,
  unregisterBackend,
} from '@webgrad/tensor';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

describe('String(t) and console.log(t)', () => {
  it('shows the values NumPy-style with shape, dtype and device', () => {
    expect(
      String(
        tensor([
          [1.5, -2],
          [3.25, 4],
        ]),
      ),
    ).toBe('Tensor([[ 1.5000, -2.0000],\n        [ 3.2500,  4.0000]], shape=[2, 2], dtype=float32, device=cpu)');
    expect(
      String(
        tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'float64' },
        ),
      ),
    ).toBe('Tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float64, device=cpu)');
    expect(String(tensor(3.5))).toBe('Tensor(3.5000, shape=[], dtype=float32, device=cpu)');
    expect(String(tensor([true, false]))).toBe('Tensor([ true, false], shape=[2], dtype=bool, device=cpu)');
    expect(String(tensor([1e-6, 1, Number.NaN, Number.NEGATIVE_INFINITY]))).toBe(
      'Tensor([1.0000e-06, 1.0000e+00,        nan,       -inf], shape=[4], dtype=float32, device=cpu)',
    );
    expect(String(arange(8).reshape(2, 2, 2))).toBe(
      'Tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]], shape=[2, 2, 2], dtype=int32, device=cpu)',
    );
  });

  it('console.log (util.inspect) prints the same text, also nested in objects', () => {
    const t = tensor([1, 2, 3]);
    expect(inspect(t)).toBe(String(t));
    expect(inspect({ loss: t })).toContain('Tensor([1., 2., 3.], shape=[3]');
    expect(`${t}`).toBe(t.toString());
  });

  it('shows the view, never the rest of its base buffer', () => {
    const base = arange(10);
    expect(String(base.slice([2, 5]))).toBe('Tensor([2, 3, 4], shape=[3], dtype=int32, device=cpu)');
    expect(String(base.slice([1, 9, 3]))).toBe('Tensor([1, 4, 7], shape=[3], dtype=int32, device=cpu)');
    const m = arange(6).reshape(2, 3);
    expect(String(m.transpose())).toBe(
      'Tensor([[0, 3],\n        [1, 4],\n        [2, 5]], shape=[3, 2], dtype=int32, device=cpu)',
    );
    expect(String(m.slice([1, 2]).squeeze(0))).toBe('Tensor([3, 4, 5], shape=[3], dtype=int32, device=cpu)');
  });

  it('summarises large tensors with ... and reads only what it shows (no new tensors)', () => {
    const big = randn([3000], { seed: 1 });
    const view = big.slice([1000, 2500]); // a strided window of a bigger buffer
    const all = view.dataSync();
    const live = memory().cpu?.tensors;
    const text = String(view);
    expect(memory().cpu?.tensors).toBe(live);
    const shown = [0, 1, 2, 1497, 1498, 1499].map((i) => (all[i] as number).toFixed(4));
    const [a, b, c, d, e, f] = shown.map((s) => s.padStart(7));
    expect(text).toBe(`Tensor([${a}, ${b}, ${c}, ..., ${d}, ${e}, ${f}], shape=[1500], dtype=float32, device=cpu)`);
    const grid = arange(40 * 50).reshape(40, 50);
    const lines = String(grid).split('\n');
    expect(lines).toHaveLength(7); // 3 rows, '...', 3 rows
    expect(lines[0]).toBe('Tensor([[   0,    1,    2, ...,   47,   48,   49],');
    expect(lines[3]).toBe('        ...,');
    expect(lines[6]).toBe(
      '        [1950, 1951, 1952, ..., 1997, 1998, 1999]], shape=[40, 50], dtype=int32, device=cpu)',
    );
  });

  it('wraps long rows at 75 characters', () => {
    const lines = String(arange(30).mul(1000)).split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines.slice(0, -1)) expect(l.length).toBeLessThanOrEqual(75);
    expect(lines[1]?.startsWith('        ')).toBe(true);
  });

  it('says when a tensor was disposed', () => {
    const t = ones([2]);
    t.dispose();
    expect(String(t)).toBe('Tensor(shape=[2], dtype=float32, disposed)');
  });
});

describe('synchronous readers', () => {
  it('itemSync and arraySync on the CPU', () => {
    expect(tensor([[2.5]]).itemSync()).toBe(2.5);
    expect(arange(6).reshape(2, 3).slice([0, 2], [1, 3]).arraySync()).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(() => tensor([1, 2]).itemSync()).toThrow(/itemSync: needs exactly one element, got shape \[2\]/);
  });
});

// A device that, like WebGPU, can only answer asynchronously: the CPU kernels without readSync.
function asyncOnlyBackend(): Backend {
  const cpu = new CpuBackend();
  return {
    device: 'webgpu',
    alloc: (d, n) => cpu.alloc(d, n),
    write: (h, d, data) => cpu.write(h as never, d, data),
    read: (h, d, n, o) => cpu.read(h as never, d, n, o),
    free: (h, d) => cpu.free(h as never, d),
    run: (prim, inputs, out, attrs) => cpu.run(prim, inputs as never, out as never, attrs),
  };
}

describe('a device without synchronous reads (WebGPU)', () => {
  const dev = { device: 'webgpu' as const };
  beforeAll(() => registerBackend(asyncOnlyBackend()));
  afterAll(() => unregisterBackend('webgpu'));

  it('String(t) says how to see the values instead of showing any', () => {
    expect(String(tensor([1, 2], dev))).toBe(
      'Tensor(shape=[2], dtype=float32, device=webgpu; values not read: await t.print() or await t.array())',
    );
  });

  it('await t.print() logs the values, summarised past 1000 elements', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await tensor(
        [
          [1.5, -2],
          [3.25, 4],
        ],
        dev,
      ).print();
      expect(log).toHaveBeenLastCalledWith(
        'Tensor([[ 1.5000, -2.0000],\n        [ 3.2500,  4.0000]], shape=[2, 2], dtype=float32, device=webgpu)',
      );
      const grid: Tensor = arange(40 * 50, undefined, undefined, dev)
        .reshape(40, 50)
        .transpose();
      const live = memory().webgpu?.tensors;
      await grid.print();
      expect(memory().webgpu?.tensors).toBe(live); // the gathered corners were freed
      const text = String(log.mock.lastCall?.[0]);
      expect(text.split('\n')[0]).toBe('Tensor([[   0,   50,  100, ..., 1850, 1900, 1950],');
      expect(text).toContain('[  49,   99,  149, ..., 1899, 1949, 1999]], shape=[50, 40], dtype=int32, device=webgpu)');
    } finally {
      log.mockRestore();
    }
  });

  it('dataSync, arraySync and itemSync raise a device TensorError naming the async reader', () => {
    const t = tensor([7], dev);
    for (const [read, op, hint] of [
      [() => t.dataSync(), 'dataSync', 'data'],
      [() => t.arraySync(), 'arraySync', 'array'],
      [() => t.itemSync(), 'itemSync', 'item'],
    ] as const) {
      let err: unknown;
      try {
        read();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TensorError);
      expect((err as TensorError).kind).toBe('device');
      expect((err as TensorError).message).toBe(
        `${op}: [1] float32 on webgpu cannot be read synchronously (the GPU answers later); use await t.${hint}()`,
      );
    }
  });
});
