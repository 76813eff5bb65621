/**
 * Forward mode on WebGPU (float32) agrees with forward mode on the CPU (float64) for every
 * differentiable op-spec row: the same random case and the same tangents on both devices, jvp on
 * each, output tangents compared within float32 tolerance (the row's forward tolerance, but at
 * least atol 1e-4, rtol 1e-3: a tangent chains several float32 ops). Also a forward-over-reverse
 * Hessian-vector product, linearize, a Hessian and a Jacobian on WebGPU against the CPU. numRuns: 4 per row by default
 * (pipelines compile slowly on lavapipe); FC_NUM_RUNS searches harder.
 */
import { grad, hessian, jacfwd, jvp, linearize } from '@webgrad/autograd';
import { type Device, type DType, type Tensor, tensor, tidy } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { assertClose, F32_TOL, numRuns } from '../../../tensor/test/spec/compare.js';
import { materializeAll, toRef } from '../../../tensor/test/spec/materialize.js';
import type { OpCase, OpSpec, Ref } from '../../../tensor/test/spec/op-spec.js';
import { OP_SPECS } from '../../../tensor/test/spec/op-specs.js';
import { hasWebGPU } from '../../../tensor/test/webgpu/setup.js';

const RUNS = numRuns(4);
const JVP_F32 = { atol: 1e-4, rtol: 1e-3 };

/** Fixed tangent values, exact in float32 so both devices see the same ones. */
function direction(shape: readonly number[], dtype: DType, device: Device, salt: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, (_, i) => Math.fround(Math.cos(0.9 * i + salt)));
  return tensor(data, { dtype, device, shape });
}

async function tangentOn(row: OpSpec, c: OpCase, device: Device, dtype: DType): Promise<Ref> {
  const inputs = materializeAll(c, { dtype, device });
  const which = row.gradInputs as number[];
  let t: Tensor | undefined;
  try {
    t = tidy(() => {
      const f = (...xs: Tensor[]) =>
        row.apply(
          inputs.map((x, i) => (which.includes(i) ? (xs[which.indexOf(i)] as Tensor) : x)),
          c.params,
        );
      const xs = which.map((k) => inputs[k] as Tensor);
      return jvp(
        f,
        xs,
        xs.map((x, j) => direction(x.shape, x.dtype, device, j)),
      )[1];
    });
    if (t.device !== device) throw new Error(`${row.name}: tangent on ${t.device}, not ${device}`);
    return await toRef(t);
  } finally {
    t?.dispose();
    for (const x of inputs) x.dispose();
  }
}

describe.skipIf(!hasWebGPU())('forward mode on WebGPU matches the CPU', () => {
  for (const row of OP_SPECS.filter((r) => (r.gradInputs ?? []).length > 0)) {
    const tol = {
      atol: Math.max(row.f32?.atol ?? F32_TOL.atol, JVP_F32.atol),
      rtol: Math.max(row.f32?.rtol ?? F32_TOL.rtol, JVP_F32.rtol),
    };
    it(row.name, async () => {
      await fc.assert(
        fc.asyncProperty(row.cases, async (c) => {
          const gpu = await tangentOn(row, c, 'webgpu', 'float32');
          const cpu = await tangentOn(row, c, 'cpu', 'float64');
          assertClose(gpu, cpu, tol, `${row.name}: jvp webgpu vs cpu`);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('a forward-over-reverse Hessian-vector product', async () => {
    const hv = async (device: Device, dtype: DType) => {
      const x = direction([3, 4], dtype, device, 1);
      const w = direction([4, 2], dtype, device, 2);
      const v = direction([3, 4], dtype, device, 3);
      const f = (x: Tensor) => x.matmul(w).tanh().logsumexp(1).sum();
      const t = jvp(grad(f) as (x: Tensor) => Tensor, [x], [v])[1];
      return toRef(t);
    };
    assertClose(await hv('webgpu', 'float32'), await hv('cpu', 'float64'), JVP_F32, 'hvp webgpu vs cpu');
  });

  it('linearize replays the tape with the JVP table on WebGPU', async () => {
    const on = async (device: Device, dtype: DType) => {
      const x = direction([2, 3], dtype, device, 6);
      const [, fJvp] = linearize((x: Tensor) => x.softmax(1).mul(x.exp()).sum(0), x);
      return [
        await toRef(fJvp(direction([2, 3], dtype, device, 7))),
        await toRef(fJvp(direction([2, 3], dtype, device, 8))),
      ];
    };
    const [gpu, cpu] = [await on('webgpu', 'float32'), await on('cpu', 'float64')];
    gpu.forEach((g, i) => {
      assertClose(g, cpu[i] as Ref, JVP_F32, `linearize tangent ${i} webgpu vs cpu`);
    });
  });

  it('a Hessian (jvps of grad batched by vmap) and a forward-mode Jacobian', async () => {
    const on = async (device: Device, dtype: DType) => {
      const x = direction([5], dtype, device, 4);
      const w = direction([5, 3], dtype, device, 5);
      const f = (x: Tensor) => x.reshape([1, 5]).matmul(w).tanh().sum().add(x.logsumexp(0));
      return [await toRef(hessian(f)(x)), await toRef(jacfwd((x: Tensor) => x.sin().mul(x.sum()))(x) as Tensor)];
    };
    const [gpu, cpu] = [await on('webgpu', 'float32'), await on('cpu', 'float64')];
    gpu.forEach((g, i) => {
      assertClose(g, cpu[i] as Ref, JVP_F32, `${i === 0 ? 'hessian' : 'jacfwd'} webgpu vs cpu`);
    });
  });
});
