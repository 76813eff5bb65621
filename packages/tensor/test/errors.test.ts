/**
 * Every TensorError kind, provoked on purpose, with messages that name the op and the offending
 * shapes, dtypes or devices; and the documented behaviour at the edges (int32 / is float32, log and sqrt
 * outside their domain, NaN in comparisons and reductions, failed scatterAdd writes nothing).
 */
import * as T from '@webgrad/tensor';
import {
  type Backend,
  CpuBackend,
  dispatch,
  memory,
  registerBackend,
  TensorError,
  type TensorErrorKind,
  tensor,
  unregisterBackend,
} from '@webgrad/tensor';
import { afterEach, describe, expect, it } from 'vitest';

function caught(fn: () => unknown): TensorError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TensorError) return e;
    throw new Error(`expected a TensorError, got ${String(e)}`);
  }
  throw new Error('expected a TensorError, nothing was thrown');
}

async function caughtAsync(fn: () => Promise<unknown>): Promise<TensorError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof TensorError) return e;
    throw new Error(`expected a TensorError, got ${String(e)}`);
  }
  throw new Error('expected a TensorError, nothing was thrown');
}

function expectError(fn: () => unknown, kind: TensorErrorKind, ...parts: string[]): void {
  const e = caught(fn);
  expect(e.kind).toBe(kind);
  for (const p of parts) expect(e.message).toContain(p);
}

const x23 = () => T.ones([2, 3]);

describe('shape errors name the op and the shapes', () => {
  it.each([
    ['add', () => x23().add(T.ones([4])), ['add', '[2, 3]', '[4]']],
    ['matmul', () => x23().matmul(T.ones([4, 5])), ['matmul', '[2, 3]', '[4, 5]']],
    ['matmul 0-d', () => T.ones([]).matmul(T.ones([3])), ['matmul', '[]']],
    ['reshape', () => x23().reshape(4), ['reshape', '[2, 3]', '[4]']],
    ['sum axis', () => x23().sum(2), ['sum', 'axis 2', 'rank 2']],
    ['repeated axis', () => x23().sum([0, -2]), ['sum', 'repeated axis']],
    ['permute', () => x23().permute(0, 0), ['permute', '[0, 0]', '[2, 3]']],
    ['expand', () => x23().expand(4, 3), ['expand', '[2, 3]', '[4, 3]']],
    ['concat', () => T.concat([x23(), T.ones([3, 3])], 1), ['concat', '[2, 3]', '[3, 3]']],
    ['squeeze', () => x23().squeeze(0), ['squeeze', 'axis 0', '[2, 3]']],
    ['slice rank', () => x23().slice([0], [0], [0]), ['slice', '3 ranges', 'rank 2']],
    ['max of nothing', () => T.ones([0, 3]).max(0), ['max', 'empty axis 0', '[0, 3]']],
    ['argmax of nothing', () => T.ones([2, 0]).argmax(1), ['argmax', 'empty axis 1', '[2, 0]']],
    ['gather index shape', () => x23().gather(T.zeros([3, 3], { dtype: 'int32' }), 1), ['gather', '[3, 3]', '[2, 3]']],
    ['ragged data', () => tensor([[1, 2], [3]]), ['tensor', 'ragged']],
    ['negative shape', () => T.zeros([2, -1]), ['zeros', '[2, -1]']],
  ] as const)('%s', (_name, fn, parts) => expectError(fn, 'shape', ...parts));
});

describe('dtype errors name the op and the dtypes', () => {
  const f = () => T.ones([2]);
  const i = () => T.zeros([2], { dtype: 'int32' });
  const b = () => T.ones([2], { dtype: 'bool' });
  it.each([
    ['where condition', () => T.where(f(), f(), f()), ['where', 'bool', 'float32']],
    ['neg of bool', () => b().neg(), ['neg', 'bool']],
    ['max of bool', () => b().max(), ['max', 'bool']],
    ['gather index', () => f().gather(f(), 0), ['gather', 'int32', 'float32']],
    ['concat dtypes', () => T.concat([f(), i()]), ['concat', 'float32 and int32']],
    ['logicalNot', () => f().logicalNot(), ['logicalNot', 'float32']],
    ['oneHot index', () => T.oneHot(f(), 3), ['oneHot', 'float32']],
    ['unknown dtype', () => T.zeros([2], { dtype: 'float16' as never }), ['zeros', 'float16']],
    ['rand int32', () => T.rand([2], { dtype: 'int32' }), ['rand', 'int32']],
    ['exp prim on int32', () => dispatch('exp', [i()], {}), ['exp', 'int32']],
  ] as const)('%s', (_name, fn, parts) => expectError(fn, 'dtype', ...parts));
});

/** The CPU backend under the name 'webgpu', without readSync, optionally with a failing run. */
function fakeGpu(failRun = false): Backend {
  const cpu = new CpuBackend();
  return {
    device: 'webgpu',
    alloc: (d, n) => cpu.alloc(d, n),
    write: (h, d, data) => cpu.write(h as never, d, data),
    read: (h, d, n, o) => cpu.read(h as never, d, n, o),
    free: () => {},
    run: (prim, inputs, out, attrs) => {
      if (failRun) throw new Error('shader exploded');
      cpu.run(prim, inputs as never, out as never, attrs);
    },
  };
}

describe('device errors name the op and the devices', () => {
  afterEach(() => unregisterBackend('webgpu'));

  it('mixing devices', () => {
    registerBackend(fakeGpu());
    const g = T.ones([2, 3], { device: 'webgpu' });
    expectError(() => g.add(T.ones([2, 3])), 'device', 'add', 'webgpu [2, 3]', 'cpu [2, 3]');
  });

  it('a device without a backend', () => {
    expectError(() => T.ones([2], { device: 'webgpu' }), 'device', 'webgpu', 'initWebGPU');
  });

  it('dataSync where the device cannot read synchronously', async () => {
    registerBackend(fakeGpu());
    const g = T.ones([2], { device: 'webgpu' });
    expectError(() => g.dataSync(), 'device', 'dataSync', 'webgpu');
    expect(Array.from(await g.data())).toEqual([1, 1]);
  });

  it('float64 cannot move to webgpu', async () => {
    registerBackend(fakeGpu());
    const e = await caughtAsync(() => T.ones([2, 2], { dtype: 'float64' }).to('webgpu'));
    expect(e.kind).toBe('device');
    for (const p of ['to', 'float64', '[2, 2]']) expect(e.message).toContain(p);
  });

  it('a failing kernel is a backend error naming the op and device, and leaks nothing', () => {
    registerBackend(fakeGpu(true));
    const g = T.ones([2], { device: 'webgpu' });
    const before = memory().webgpu?.tensors;
    expectError(() => g.exp(), 'backend', 'exp', 'webgpu', 'shader exploded');
    expect(memory().webgpu?.tensors).toBe(before);
  });

  it('the empty-operand path (scatterAdd of nothing copies x) fails the same way', () => {
    registerBackend(fakeGpu(true));
    const x = T.ones([3], { device: 'webgpu' });
    const none = T.zeros([0], { dtype: 'int32', device: 'webgpu' });
    const src = T.zeros([0], { device: 'webgpu' });
    const before = memory().webgpu?.tensors;
    expectError(() => T.scatterAdd(x, none, src, 0), 'backend', 'scatterAdd', 'webgpu', 'shader exploded');
    expect(memory().webgpu?.tensors).toBe(before);
  });
});

describe('disposed tensors', () => {
  it('ops and reads on a disposed tensor throw, naming the op and the shape', () => {
    const x = x23();
    x.dispose();
    expectError(() => x.add(1), 'disposed', 'add', '[2, 3]');
    expectError(() => x.dataSync(), 'disposed', '[2, 3]');
    expect(x.isDisposed).toBe(true);
  });
});

describe('index errors (CPU)', () => {
  const idx = (v: number[]) => tensor(Int32Array.from(v), { shape: [v.length] });
  it('gather and take out of range', () => {
    expectError(() => T.arange(3).gather(idx([0, 3, 1]), 0), 'index', 'gather', 'index 3', '[3]');
    expectError(() => T.arange(3).gather(idx([-4, 0, 1]), 0), 'index', 'gather', 'index -4', 'valid: -3 to 2');
    expectError(() => T.ones([3, 2]).take(idx([7]), 0), 'index', 'gather', 'index 7');
  });
  it('gather of a non-empty index from an empty axis', () => {
    expectError(() => T.ones([0]).gather(idx([0]), 0), 'index', 'gather', '[0]');
  });
  it('slice with an integer index out of range', () => {
    expectError(() => x23().slice(2), 'index', 'slice', 'index 2', '[2, 3]');
  });
  it('scatterAdd out of range writes nothing: x unchanged, no tensor left behind', () => {
    const [x, index, src] = [T.zeros([4]), idx([0, 1, 4]), T.ones([3])];
    const before = memory().cpu?.tensors;
    // The bad index comes last, after valid ones that a naive kernel would already have added.
    expectError(() => T.scatterAdd(x, index, src, 0), 'index', 'scatterAdd', 'index 4', '[4]');
    expect(Array.from(x.dataSync())).toEqual([0, 0, 0, 0]);
    expect(memory().cpu?.tensors).toBe(before);
  });
});

describe('value errors', () => {
  it.each([
    ['arange step', () => T.arange(0, 3, 0), ['arange', 'step']],
    ['randint range', () => T.randint(3, 3, [2]), ['randint', '3, 3']],
    ['linspace num', () => T.linspace(0, 1, -1), ['linspace', '-1']],
    ['slice step', () => x23().slice([0, 2, 0]), ['slice', 'step', '0']],
    ['two numbers', () => T.add(2, 3), ['add', 'tensor']],
    ['arity', () => dispatch('add', [x23()], {}), ['add', 'expects 2 operands, got 1']],
  ] as const)('%s', (_name, fn, parts) => expectError(fn, 'value', ...parts));
});

describe('documented behaviour at the edges', () => {
  it('int32 / int32 is true division in float32: x / 0 is inf or NaN (floorDiv is `//`)', () => {
    const a = tensor(Int32Array.from([7, -7, 7, -7, 5, 0, -2147483648]));
    const b = tensor(Int32Array.from([2, 2, -2, -2, 0, 0, -1]));
    const q = a.div(b);
    expect(q.dtype).toBe('float32');
    expect(Array.from(q.dataSync())).toEqual([3.5, -3.5, -3.5, 3.5, Number.POSITIVE_INFINITY, Number.NaN, 2147483648]);
  });

  it('log(0) = -Infinity, log(-1) = NaN, sqrt(-1) = NaN (IEEE)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = tensor([0, -1, 1], { dtype });
      expect(Array.from(x.log().dataSync())).toEqual([Number.NEGATIVE_INFINITY, Number.NaN, 0]);
      expect(Array.from(x.sqrt().dataSync())).toEqual([0, Number.NaN, 1]);
    }
  });

  it('comparisons with NaN are false, except ne (IEEE, NumPy)', () => {
    const a = tensor([Number.NaN, Number.NaN, 1]);
    const b = tensor([1, Number.NaN, Number.NaN]);
    for (const op of ['eq', 'lt', 'le', 'gt', 'ge'] as const) {
      expect(a[op](b).arraySync()).toEqual([false, false, false]);
    }
    expect(a.ne(b).arraySync()).toEqual([true, true, true]);
  });

  it('NaN propagates through max, maximum and minimum, and argmax picks it', () => {
    const x = tensor([1, Number.NaN, 3]);
    expect(x.max().dataSync()[0]).toBeNaN();
    expect(x.min().dataSync()[0]).toBeNaN();
    expect(Array.from(x.maximum(2).dataSync())).toEqual([2, Number.NaN, 3]);
    expect(Array.from(x.minimum(2).dataSync())).toEqual([1, Number.NaN, 2]);
    expect(x.argmax().dataSync()[0]).toBe(1);
  });

  it('int32 min, minimum and argmin are exact at -2^31', () => {
    const x = tensor(Int32Array.from([0, -2147483648, 5]));
    expect(x.min().dataSync()[0]).toBe(-2147483648);
    expect(x.argmin().dataSync()[0]).toBe(1);
    expect(Array.from(x.minimum(1).dataSync())).toEqual([0, -2147483648, 1]);
  });

  it('empty reductions: sum 0, prod 1, mean NaN', () => {
    const e = T.ones([0, 2]);
    expect(Array.from(e.sum(0).dataSync())).toEqual([0, 0]);
    expect(Array.from(e.prod(0).dataSync())).toEqual([1, 1]);
    expect(Array.from(e.mean(0).dataSync())).toEqual([Number.NaN, Number.NaN]);
  });

  it('scatterAdd with an empty index returns x unchanged', () => {
    const x = tensor([1, 2, 3]);
    const out = T.scatterAdd(x, T.zeros([0], { dtype: 'int32' }), T.zeros([0]), 0);
    expect(Array.from(out.dataSync())).toEqual([1, 2, 3]);
  });
});
