/**
 * Gradients on WebGPU (float32) agree with gradients on the CPU (float64) for every
 * differentiable op-spec row: the same random case and the same cotangent on both devices,
 * vjp on each, cotangents of the row's gradInputs compared within float32 tolerance.
 *
 * Tolerance: the row's forward float32 tolerance, but at least atol 1e-4, rtol 1e-3, because a
 * backward pass chains several float32 ops (e.g. softmax's: exp, sum, div, mul, sub) on top of
 * the forward's rounding. numRuns: 4 per row by default (pipelines compile slowly on lavapipe);
 * FC_NUM_RUNS searches harder.
 */
import { vjp } from '@webgrad/autograd';
import { type Device, type DType, type Tensor, tensor, tidy } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { assertClose, F32_TOL, numRuns } from '../../../tensor/test/spec/compare.js';
import { materializeAll, toRef } from '../../../tensor/test/spec/materialize.js';
import type { OpCase, OpSpec, Ref } from '../../../tensor/test/spec/op-spec.js';
import { OP_SPECS } from '../../../tensor/test/spec/op-specs.js';
import { hasWebGPU } from '../../../tensor/test/webgpu/setup.js';

const RUNS = numRuns(4);
const GRAD_F32 = { atol: 1e-4, rtol: 1e-3 };

/** A fixed cotangent, exact in float32 so both devices see the same values. */
function cotangent(shape: readonly number[], dtype: DType, device: Device): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, (_, i) => Math.fround(Math.sin(1.7 * i + 0.3)));
  return tensor(data, { dtype, device, shape });
}

async function gradsOn(row: OpSpec, c: OpCase, device: Device, dtype: DType): Promise<Ref[]> {
  const inputs = materializeAll(c, { dtype, device });
  const which = row.gradInputs as number[];
  let gs: Tensor[] = [];
  try {
    gs = tidy(() => {
      const f = (...xs: Tensor[]) => {
        const all = [...inputs];
        which.forEach((k, j) => {
          all[k] = xs[j] as Tensor;
        });
        return row.apply(all, c.params);
      };
      const [out, pullback] = vjp(f, ...which.map((k) => inputs[k] as Tensor));
      return pullback(cotangent(out.shape, out.dtype, device));
    });
    for (const g of gs) if (g.device !== device) throw new Error(`${row.name}: gradient on ${g.device}, not ${device}`);
    return await Promise.all(gs.map(toRef));
  } finally {
    for (const t of [...gs, ...inputs]) t.dispose();
  }
}

describe.skipIf(!hasWebGPU())('gradients on WebGPU match the CPU', () => {
  for (const row of OP_SPECS.filter((r) => (r.gradInputs ?? []).length > 0)) {
    const tol = {
      atol: Math.max(row.f32?.atol ?? F32_TOL.atol, GRAD_F32.atol),
      rtol: Math.max(row.f32?.rtol ?? F32_TOL.rtol, GRAD_F32.rtol),
    };
    it(row.name, async () => {
      await fc.assert(
        fc.asyncProperty(row.cases, async (c) => {
          const gpu = await gradsOn(row, c, 'webgpu', 'float32');
          const cpu = await gradsOn(row, c, 'cpu', 'float64');
          gpu.forEach((g, k) => {
            assertClose(g, cpu[k] as Ref, tol, `${row.name}: d/d input ${row.gradInputs?.[k]} webgpu vs cpu`);
          });
        }),
        { numRuns: RUNS },
      );
    });
  }
});
