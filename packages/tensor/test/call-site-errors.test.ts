/**
 * The call sites people get wrong first: scalar branches in where, a number as a shape, an
 * unsupported dtype, and empty reductions that must name the op the user called.
 */
import * as T from '@webgrad/tensor';
import { TensorError } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

function errorOf(fn: () => unknown): TensorError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TensorError);
    return e as TensorError;
  }
  throw new Error('expected a TensorError');
}

describe('where with scalar branches (NumPy)', () => {
  it('where(cond, 1, 0) gives int32 on the condition device', async () => {
    const c = T.tensor([true, false, true]);
    const y = T.where(c, 1, 0);
    expect(y.dtype).toBe('int32');
    expect(await y.array()).toEqual([1, 0, 1]);
  });
  it('non-integer scalars give float32, and broadcasting still applies', async () => {
    const y = T.where(T.tensor([[true], [false]]), 0.5, -1);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([2, 1]);
    expect(await y.array()).toEqual([[0.5], [-1]]);
  });
});

describe('a number as a shape', () => {
  it.each([
    ['zeros', () => T.zeros(3)],
    ['ones', () => T.ones(3)],
    ['full', () => T.full(3, 7)],
    ['rand', () => T.rand(3, { seed: 1 })],
    ['randn', () => T.randn(3, { seed: 1 })],
    ['randint', () => T.randint(0, 4, 3, { seed: 1 })],
  ])('%s(3) is 1-d of length 3', (_, make) => {
    expect(make().shape).toEqual([3]);
  });
  it('anything else is a shape error naming the op', () => {
    const e = errorOf(() => T.zeros('3' as never));
    expect(e.kind).toBe('shape');
    expect(e.message).toBe('zeros: shape must be a number or an array of sizes, got string 3');
  });
});

describe('unsupported dtypes', () => {
  it("cast('float16') is a dtype error listing the supported dtypes", () => {
    const e = errorOf(() => T.ones([2]).cast('float16' as never));
    expect(e.kind).toBe('dtype');
    expect(e.message).toBe("cast: unsupported dtype 'float16'; supported: float32, float64, int32, bool");
  });
  it('creation functions say the same', () => {
    expect(errorOf(() => T.zeros([2], { dtype: 'float16' as never })).message).toMatch(
      /^zeros: unsupported dtype 'float16'; supported: float32, float64, int32, bool$/,
    );
  });
});

describe('empty reductions name the op the user called', () => {
  it('min over an empty axis blames min, not max', () => {
    const e = errorOf(() => T.zeros([2, 0]).min(1));
    expect(e.kind).toBe('shape');
    expect(e.message).toBe('min: cannot reduce over the empty axis 1 of [2, 0] (there is no identity)');
  });
  it('softmax over an empty axis is empty (PyTorch), not an error from max', () => {
    const y = T.zeros([2, 0]).softmax(-1);
    expect(y.shape).toEqual([2, 0]);
  });
  it('logsumexp over an empty axis is -Infinity (PyTorch)', async () => {
    expect(await T.zeros([2, 0]).logsumexp(1).array()).toEqual([-Infinity, -Infinity]);
    expect(await T.zeros([0]).logSoftmax(0).array()).toEqual([]);
  });
});
