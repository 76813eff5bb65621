/**
 * vmap on WebGPU (float32) agrees with a loop over the examples on the CPU (float64): every
 * op-spec row with random batch sizes, inAxes (null, negative) and outAxes; and per-example
 * gradients of a small MLP, vmap(grad) on WebGPU against a loop of grads on the CPU; vmap of vmap
 * and grad of it against the same on the CPU. The batched tensors stay on the GPU: every physical
 * op of the batching rules runs there.
 *
 * Tolerance: the row's float32 tolerance (F32_TOL by default); gradients at least atol 1e-4,
 * rtol 1e-3, as in grad-parity.test.ts. numRuns: 2 per row (pipelines compile slowly on lavapipe).
 */
import { grad, vmap } from '@webgrad/autograd';
import { concat, type Tensor, tensor, tidy } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertClose, F32_TOL, numRuns } from '../../../tensor/test/spec/compare.js';
import { materialize, toRef } from '../../../tensor/test/spec/materialize.js';
import type { OpSpec, Ref } from '../../../tensor/test/spec/op-spec.js';
import { OP_SPECS } from '../../../tensor/test/spec/op-specs.js';
import { hasWebGPU } from '../../../tensor/test/webgpu/setup.js';
import { batching, loopReference, outAxisFor, prepare } from '../vmap-cases.js';

const RUNS = numRuns(2);
const GPU = { dtype: 'float32', device: 'webgpu' } as const;
const CPU64 = { dtype: 'float64', device: 'cpu' } as const;

describe.skipIf(!hasWebGPU())('vmap on WebGPU matches a loop on the CPU', () => {
  it.each(OP_SPECS.map((row) => [row.name, row] as const))('%s', async (_name, row: OpSpec) => {
    await fc.assert(
      fc.asyncProperty(
        row.cases.chain((c) => batching(c).map((b) => [c, b] as const)),
        async ([c, b]) => {
          const f = (xs: Tensor[]) => row.apply(xs, c.params);
          const rank = f(c.inputs.map((op) => materialize(op, CPU64))).ndim;
          const outAxis = outAxisFor(b, rank);
          const gpu = prepare(c, b, GPU);
          const y = tidy(() => vmap((...xs: Tensor[]) => f(xs), { inAxes: gpu.inAxes, outAxes: outAxis })(...gpu.args));
          expect(y.device).toBe('webgpu');
          const got = await toRef(y);
          const cpu = prepare(c, b, CPU64);
          const [expected] = await loopReference(f, c, cpu, outAxis, CPU64);
          const tol = row.exact ? 'exact' : (row.f32 ?? F32_TOL);
          const where = `${row.name} inAxes ${JSON.stringify(gpu.inAxes)} outAxes ${outAxis} batch ${b.size}`;
          assertClose(got, expected as NonNullable<typeof expected>, tol, where);
          for (const t of [y, ...gpu.args, ...gpu.examples.flat(), ...cpu.args, ...cpu.examples.flat()]) t.dispose();
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe.skipIf(!hasWebGPU())('per-example gradients on WebGPU', () => {
  it('vmap(grad(mlp loss)) on WebGPU equals a loop of grads on the CPU', async () => {
    const values = (n: number, k: number) =>
      Float64Array.from({ length: n }, (_, i) => Math.fround(Math.sin(k + 1.3 * i)));
    const on = (device: 'cpu' | 'webgpu', dtype: 'float32' | 'float64') => ({
      w1: tensor(values(12, 1), { shape: [3, 4], device, dtype }),
      b1: tensor(values(4, 2), { shape: [4], device, dtype }),
      w2: tensor(values(4, 3), { shape: [4], device, dtype }),
      xs: tensor(values(24, 4), { shape: [8, 3], device, dtype }),
      ys: tensor(values(8, 5), { shape: [8], device, dtype }),
    });
    type P = { w1: Tensor; b1: Tensor; w2: Tensor };
    const loss = (p: P, x: Tensor, y: Tensor) => x.matmul(p.w1).add(p.b1).tanh().matmul(p.w2).sub(y).square().sum();
    const g = on('webgpu', 'float32');
    const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] })(g, g.xs, g.ys) as P;
    const c = on('cpu', 'float64');
    for (const k of ['w1', 'b1', 'w2'] as const) {
      expect(perExample[k].device).toBe('webgpu');
      const loop = Array.from({ length: 8 }, (_, i) => {
        const x = c.xs.slice(i).squeeze(0);
        const y = c.ys.slice(i).squeeze(0);
        return (grad(loss)(c, x, y) as P)[k].unsqueeze(0);
      });
      const expected = await toRef(concat(loop, 0));
      assertClose(await toRef(perExample[k]), expected, { atol: 1e-4, rtol: 1e-3 }, `d loss / d ${k}`);
    }
  });

  it('grad of vmap and vmap of vmap on WebGPU equal the CPU', async () => {
    const values = (n: number, k: number) =>
      Float64Array.from({ length: n }, (_, i) => Math.fround(Math.cos(k + 0.7 * i)));
    const f = (u: Tensor, v: Tensor) => u.mul(v).sum().tanh().add(u.max());
    const run = async (device: 'cpu' | 'webgpu', dtype: 'float32' | 'float64') => {
      const a = tensor(values(60, 1), { shape: [3, 4, 5], device, dtype });
      const b = tensor(values(20, 2), { shape: [5, 4], device, dtype });
      const nested = vmap(vmap(f, { inAxes: [0, 1] }), { inAxes: [0, null] })(a, b);
      const dA = grad((a: Tensor) => vmap(vmap(f, { inAxes: [0, 1] }), { inAxes: [0, null] })(a, b).sum())(a) as Tensor;
      expect([nested.device, dA.device]).toEqual([device, device]);
      return [await toRef(nested), await toRef(dA)];
    };
    const [gpu, cpu] = [await run('webgpu', 'float32'), await run('cpu', 'float64')];
    assertClose(gpu[0] as Ref, cpu[0] as Ref, { atol: 1e-4, rtol: 1e-3 }, 'vmap of vmap');
    assertClose(gpu[1] as Ref, cpu[1] as Ref, { atol: 1e-4, rtol: 1e-3 }, 'grad of vmap of vmap');
  });
});
