/**
 * WebGPU error paths: every failure is a TensorError naming the op and what went wrong, raised
 * before allocation (float64), at the call (mixed devices, disposed operands) or at the latest
 * at the next readback (a kernel that fails WebGPU validation), and never a silent garbage result.
 */
import { adapterInfo, memory, type TensorError, tensor, webgpuBackend, zeros } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from './setup.js';

function caught(fn: () => unknown): TensorError {
  try {
    fn();
  } catch (e) {
    return e as TensorError;
  }
  throw new Error('expected a TensorError');
}

// Skipped only when setup found no adapter outside CI (it printed why); under CI=true setup throws.
describe.skipIf(!hasWebGPU())('webgpu errors', () => {
  it('reports the adapter with its real limits', () => {
    const info = adapterInfo();
    expect(['vulkan', 'opengles']).toContain(info.backend);
    expect(info.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
  });

  it('float64 on webgpu is a device error before anything is allocated', () => {
    const before = memory().webgpu?.bytes ?? 0;
    const e = caught(() => zeros([4], { dtype: 'float64', device: 'webgpu' }));
    expect(e.name).toBe('TensorError');
    expect(e.kind).toBe('device');
    expect(e.message).toMatch(/float64/);
    expect(memory().webgpu?.bytes ?? 0).toBe(before);
  });

  it('mixing devices in one op names both devices', () => {
    const e = caught(() => tensor([1, 2]).add(tensor([1, 2], { device: 'webgpu' })));
    expect(e.kind).toBe('device');
    expect(e.message).toMatch(/add.*cpu.*webgpu/);
  });

  it('reading a disposed tensor is a disposed error', async () => {
    const t = tensor([1, 2], { device: 'webgpu' });
    t.dispose();
    await expect(t.data()).rejects.toMatchObject({ name: 'TensorError', kind: 'disposed' });
  });

  it('a kernel failing WebGPU validation surfaces at readback with the WGSL message', async () => {
    const backend = webgpuBackend();
    if (!backend) throw new Error('no backend');
    const out = tensor([0, 0, 0, 0], { device: 'webgpu' });
    const handle = out.storage.handle as Parameters<typeof backend.runProgram>[0]['output'];
    const bad = `@compute @workgroup_size(1) fn main() { let x: f32 = undefined_name; }`;
    backend.runProgram({
      op: 'badKernel',
      code: bad,
      inputs: [],
      output: handle,
      meta: new Uint32Array(64),
      workgroups: [1, 1, 1],
    });
    const e = await out.data().then(
      () => undefined,
      (err: TensorError) => err,
    );
    expect(e?.kind).toBe('backend');
    expect(e?.message).toMatch(/badKernel/);
    expect(e?.message).toMatch(/undefined_name/);
    // The spoiled tensor keeps failing; the same source now fails at once, at the call.
    await expect(out.data()).rejects.toMatchObject({ kind: 'backend' });
    expect(() =>
      backend.runProgram({
        op: 'badKernel',
        code: bad,
        inputs: [],
        output: handle,
        meta: new Uint32Array(64),
        workgroups: [1, 1, 1],
      }),
    ).toThrow(/badKernel.*undefined_name/s);
    // Healthy work afterwards is unaffected.
    expect(Array.from(await tensor([1, 2], { device: 'webgpu' }).add(1).data())).toEqual([2, 3]);
  });

  it('a dispatch over the workgroup limit fails validation, naming the op', async () => {
    const backend = webgpuBackend();
    if (!backend) throw new Error('no backend');
    const out = tensor([0], { device: 'webgpu' });
    const handle = out.storage.handle as Parameters<typeof backend.runProgram>[0]['output'];
    // A valid kernel using the standard bindings (uniform block at 0, output at 1).
    const code = `struct Meta { v: array<vec4<u32>, 16> }
@group(0) @binding(0) var<uniform> mt: Meta;
@group(0) @binding(1) var<storage, read_write> ob: array<f32>;
@compute @workgroup_size(1) fn main() { ob[0] = f32(mt.v[0][0]); }`;
    const tooMany = backend.gpu.limits.maxComputeWorkgroupsPerDimension + 1;
    backend.runProgram({
      op: 'hugeGrid',
      code,
      inputs: [],
      output: handle,
      meta: new Uint32Array(64),
      workgroups: [tooMany, 1, 1],
    });
    await expect(out.data()).rejects.toMatchObject({ kind: 'backend', message: expect.stringMatching(/hugeGrid/) });
  });
});
