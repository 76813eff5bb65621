/**
 * A bad crossEntropy target on WebGPU is an 'index' error at the next readback (gather's index
 * check), never a silently zero or wrong loss term; ignoreIndex still works.
 */
import { crossEntropy } from '@webgrad/nn';
import { randn, TensorError, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from '../../../tensor/test/webgpu/setup.js';

async function readError(p: Promise<unknown>): Promise<TensorError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TensorError) return e;
    throw e;
  }
  throw new Error('expected a TensorError at readback');
}

describe.skipIf(!hasWebGPU())('crossEntropy targets on webgpu', () => {
  const logits = async () => randn([3, 4], { seed: 1 }).to('webgpu');
  const targets = (v: number[]) => tensor(Int32Array.from(v), { device: 'webgpu' });

  it.each([
    [[0, 4, 1], /gather: index 4 is out of range for axis 1 of \[3, 4\]/],
    [[0, -1, 1], /gather: index 4 is out of range for axis 1 of \[3, 4\]/],
  ])('targets %j raise at readback', async (t, message) => {
    const e = await readError(crossEntropy(await logits(), targets(t)).item());
    expect(e.kind).toBe('index');
    expect(e.message).toMatch(message);
  });

  it('good targets and ignoreIndex agree with the CPU', async () => {
    const x = randn([3, 4], { seed: 1 });
    const t = [0, -100, 3];
    const cpu = await crossEntropy(x, tensor(Int32Array.from(t))).item();
    const gpu = await crossEntropy(await x.to('webgpu'), targets(t)).item();
    expect(Math.abs(gpu - cpu)).toBeLessThan(1e-5);
  });
});
