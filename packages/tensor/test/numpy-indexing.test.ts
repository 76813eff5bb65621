/**
 * NumPy indexing semantics: slices with a negative step walk an axis backwards (a view with a
 * negative stride, no copy), and take/gather/scatterAdd indices in [-n, 0) count from the end.
 * Expected values are Python's (`list(range(10))[a:b:s]`, `np.take`).
 */
import { arange, scatterAdd, TensorError, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const idx = (v: number[], shape = [v.length]) => tensor(Int32Array.from(v), { shape });
const values = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

/** Python's `list(range(n))[a:b:s]`, written out by hand for the cases below. */
const PYTHON_SLICES: [range: [number?, number?, number?], expected: number[]][] = [
  [
    [undefined, undefined, -1],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
  ],
  [
    [7, 2, -2],
    [7, 5, 3],
  ],
  [
    [-1, -11, -3],
    [9, 6, 3, 0],
  ],
  [
    [100, undefined, -4],
    [9, 5, 1],
  ],
  [[2, 7, -1], []],
  [
    [undefined, -12, -1],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
  ],
  [[-12, undefined, -1], []],
  [
    [3, undefined, -1],
    [3, 2, 1, 0],
  ],
  [
    [undefined, 3, -2],
    [9, 7, 5],
  ],
];

describe('slices with a negative step', () => {
  it.each(PYTHON_SLICES)('range(10)[%j] as Python', (range, expected) => {
    const x = arange(10);
    expect(values(x.slice(range))).toEqual(expected);
  });

  it('are views with negative strides on the same storage', () => {
    const x = arange(12).reshape(3, 4);
    const r = x.slice([null, null, -1], [3, 0, -2]);
    expect(r.shape).toEqual([3, 2]);
    expect(r.strides).toEqual([-4, -2]);
    expect(r.offset).toBe(11);
    expect(r.storage).toBe(x.storage);
    expect(r.isContiguous).toBe(false);
    expect(r.arraySync()).toEqual([
      [11, 9],
      [7, 5],
      [3, 1],
    ]);
  });

  it('compose: reversing twice is the identity, and kernels read reversed operands', async () => {
    const x = arange(24).reshape(2, 3, 4);
    const rev = x.slice([null, null, -1], [null, null, -1], [null, null, -1]);
    expect(values(rev)).toEqual(Array.from({ length: 24 }, (_, i) => 23 - i));
    expect(values(rev.slice([null, null, -1], [null, null, -1], [null, null, -1]))).toEqual(values(x));
    // A fully reversed tensor reshapes without a copy (stride -1 over the merged axes).
    const flat = rev.reshape(24);
    expect(flat.strides).toEqual([-1]);
    expect(flat.storage).toBe(x.storage);
    expect(values(rev.add(x))).toEqual(new Array(24).fill(23));
    expect(values(rev.sum(2))).toEqual([86, 70, 54, 38, 22, 6]);
    expect(values(rev.contiguous())).toEqual(values(flat));
    const m = arange(6).cast('float32').reshape(2, 3);
    expect(m.slice(null, [null, null, -1]).matmul(m.transpose()).arraySync()).toEqual([
      [1, 10],
      [10, 46],
    ]);
    expect(Array.from(await rev.slice(1, [2, 0, -1]).data())).toEqual([3, 2, 1, 0, 7, 6, 5, 4]);
  });

  it('step 0 and non-integer steps are value errors', () => {
    const x = arange(4);
    for (const step of [0, 1.5, -0.5]) {
      const e = (() => {
        try {
          x.slice([null, null, step]);
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(TensorError);
      expect((e as TensorError).kind).toBe('value');
      expect((e as TensorError).message).toContain('step must be a non-zero integer');
    }
  });
});

describe('negative indices count from the end', () => {
  it('take: as np.take', () => {
    const x = arange(12).reshape(3, 4);
    expect(x.take(idx([-1, 0, -3]), 0).arraySync()).toEqual([
      [8, 9, 10, 11],
      [0, 1, 2, 3],
      [0, 1, 2, 3],
    ]);
    expect(x.take(idx([-1, -4]), 1).arraySync()).toEqual([
      [3, 0],
      [7, 4],
      [11, 8],
    ]);
  });

  it('gather: as np.take_along_axis', () => {
    const x = arange(6).reshape(2, 3);
    expect(x.gather(idx([-1, 0, -2, 1], [2, 2]), 1).arraySync()).toEqual([
      [2, 0],
      [4, 4],
    ]);
  });

  it('scatterAdd: a negative index adds at the same place as its positive twin', () => {
    const out = scatterAdd(arange(4), idx([-1, 3, 0, -4]), tensor([1, 10, 100, 1000]), 0);
    expect(values(out)).toEqual([1100, 1, 2, 14]);
  });

  it('past -n is an index error naming the op, the index and the valid range', () => {
    const x = arange(3);
    expect(() => x.take(idx([-4]))).toThrow(/gather: index -4 is out of range for axis 0 of \[3\] \(valid: -3 to 2\)/);
    expect(() => scatterAdd(x, idx([-4]), tensor([1]), 0)).toThrow(/scatterAdd: index -4/);
  });
});
