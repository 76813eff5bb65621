/** toDot on WebGPU tensors: the device on every label, and values refused with a clear error. */
import { toDot } from '@webgrad/autograd';
import { type Tensor, TensorError, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from '../../../tensor/test/webgpu/setup.js';

describe.skipIf(!hasWebGPU())('toDot on WebGPU', () => {
  it('labels every tensor with its device, with or without the backward pass', () => {
    const x = tensor([1, 2, 3], { device: 'webgpu' });
    const f = (x: Tensor) => x.mul(x).sum();
    for (const dot of [toDot(f, x), toDot(f, x, { grads: true })]) {
      const labels = [...dot.matchAll(/^ {2}t\d+ \[label="((?:[^"\\]|\\.)*)"/gm)].map((m) => m[1]);
      expect(labels.length).toBe(3);
      for (const l of labels) expect(l).toContain('float32 webgpu');
    }
  });

  it('asks for CPU tensors when values are wanted (they are read synchronously)', () => {
    const x = tensor([1, 2, 3], { device: 'webgpu' });
    const call = () => toDot((x: Tensor) => x.exp(), x, { values: true });
    expect(call).toThrow(TensorError);
    expect(call).toThrow(/toDot: values are read synchronously, from CPU tensors only; got \[3\] float32 webgpu/);
  });
});
