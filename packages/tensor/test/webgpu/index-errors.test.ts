/**
 * Out-of-range gather/scatterAdd indices raise on WebGPU as on the CPU: the same 'index'
 * TensorError (op, index, axis, shape), at the latest at the next readback or sync, so a bad
 * crossEntropy target is never a silent zero loss term. Good indices cost no error.
 */
import {
  dispatch,
  oneHot,
  scatterAdd,
  type Tensor,
  TensorError,
  tensor,
  type WebGpuBackend,
  webgpuBackend,
} from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from './setup.js';

const gpu = (data: number[], dtype: 'float32' | 'int32' = 'float32') => tensor(data, { dtype, device: 'webgpu' });

async function indexError(p: Promise<unknown>): Promise<TensorError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TensorError) return e;
    throw e;
  }
  throw new Error('expected an index error at readback, nothing was thrown');
}

describe.skipIf(!hasWebGPU())('webgpu index errors at readback', () => {
  it('gather: the next readback raises, naming the op, the index and the shape', async () => {
    const x = gpu([10, 20, 30]);
    const g = x.gather(gpu([2, -4, 1, 0], 'int32'), 0);
    const e = await indexError(g.data());
    expect(e.kind).toBe('index');
    expect(e.message).toMatch(/^gather: index -4 is out of range for axis 0 of \[3\] \(valid: -3 to 2\)/);
    expect(e.message).toContain('found by the webgpu kernel (1 bad index) and raised at this readback');
    // The spoiled result keeps raising; the error is reported once for other reads.
    expect((await indexError(g.data())).kind).toBe('index');
    expect(Array.from(await x.data())).toEqual([10, 20, 30]);
  });

  it('an unrelated readback after the bad gather raises too (at the latest at the next readback)', async () => {
    const bad = gpu(
      [
        [1, 2],
        [3, 4],
      ].flat(),
    )
      .reshape(2, 2)
      .gather(gpu([0, 5, 1, 0], 'int32').reshape(2, 2), 1);
    const other = gpu([1, 2, 3]).mul(2);
    const e = await indexError(other.data());
    expect(e.message).toMatch(/^gather: index 5 is out of range for axis 1 of \[2, 2\]/);
    bad.dispose();
    expect(Array.from(await other.data())).toEqual([2, 4, 6]);
  });

  it('sync raises too', async () => {
    gpu([1, 2]).gather(gpu([2], 'int32'), 0);
    const e = await indexError((webgpuBackend() as WebGpuBackend).sync());
    expect(e.message).toMatch(/^gather: index 2 is out of range/);
  });

  it('scatterAdd: an out-of-range index raises at readback, whatever its position', async () => {
    const s = scatterAdd(gpu([0, 0, 0, 0]), gpu([0, 1, 4, -5], 'int32'), gpu([1, 2, 3, 4]), 0);
    const e = await indexError(s.data());
    expect(e.kind).toBe('index');
    expect(e.message).toMatch(/^scatterAdd: index (4|-5) is out of range for axis 0 of \[4\] \(valid: -4 to 3\)/);
    expect(e.message).toContain('2 bad indices');
  });

  it('many dispatches: the first bad one is named, good ones in between are fine', async () => {
    const x = gpu([1, 2, 3, 4]);
    const outs: Tensor[] = [];
    for (let i = 0; i < 300; i++) outs.push(x.gather(gpu([i % 4, -1], 'int32'), 0));
    outs.push(dispatch('gather', [x, gpu([9, 0], 'int32')], { axis: 0 }));
    const e = await indexError((outs[0] as Tensor).data());
    expect(e.message).toMatch(/^gather: index 9 is out of range for axis 0 of \[4\]/);
    expect(Array.from(await (outs[299] as Tensor).data())).toEqual([4, 4]);
  });

  it('good indices, negative ones included, read back without error', async () => {
    const x = gpu([10, 20, 30]);
    for (let round = 0; round < 3; round++) {
      expect(Array.from(await x.gather(gpu([-1, 0, -3, 2], 'int32'), 0).data())).toEqual([30, 10, 10, 30]);
      const s = scatterAdd(gpu([0, 0, 0]), gpu([-1, 0, 2], 'int32'), gpu([1, 2, 3]), 0);
      expect(Array.from(await s.data())).toEqual([2, 0, 4]);
    }
  });

  it('oneHot with a class out of range raises at the next readback', async () => {
    const h = oneHot(gpu([0, 3], 'int32'), 3);
    const e = await indexError(h.data());
    expect(e.message).toMatch(/^gather: index 3 is out of range for axis 0 of \[3\]/);
    const neg = oneHot(gpu([-1], 'int32'), 3);
    expect((await indexError(neg.data())).message).toMatch(/^gather: index 3 is out of range/);
    expect(await oneHot(gpu([2, 0], 'int32'), 3).array()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
  });
});
