/**
 * Second derivatives of every differentiable op-spec row: gradgradcheck (float64, CPU) compares
 * the derivative of each rule's VJP with central differences of that VJP, over the row's random
 * cases (broadcast shapes, size 0 and 1 dims, 0-d tensors, strided layouts; the prod and softplus
 * rows put exact zeros in on purpose). Edge points chosen by hand: second-order-edges.test.ts.
 *
 * Runs per row: FC_NUM_RUNS when set; else 20 under CI and 3 locally.
 */
import { gradgradcheck } from '@webgrad/autograd';
import type { Tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { numRuns } from '../../tensor/test/spec/compare.js';
import { materializeAll } from '../../tensor/test/spec/materialize.js';
import { OP_SPECS } from '../../tensor/test/spec/op-specs.js';

const RUNS = numRuns(process.env.CI ? 20 : 3);

const differentiable = OP_SPECS.filter((row) => (row.gradInputs ?? []).length > 0);

describe('gradgradcheck of every differentiable op-spec row', () => {
  it.each(differentiable.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const gradInputs = row.gradInputs as number[];
    await fc.assert(
      fc.asyncProperty(row.cases, async (c) => {
        const inputs = materializeAll(c, { dtype: 'float64', device: 'cpu' });
        const f = (...xs: Tensor[]) => {
          const all = [...inputs];
          gradInputs.forEach((k, j) => {
            all[k] = xs[j] as Tensor;
          });
          return row.apply(all, c.params);
        };
        const report = await gradgradcheck(
          f,
          gradInputs.map((k) => inputs[k] as Tensor),
          { eps: row.grad?.eps, atol: row.grad?.atol, rtol: row.grad?.rtol },
        );
        if (!report.ok) throw new Error(`${row.name}: ${report.message}`);
      }),
      { numRuns: RUNS },
    );
  });
});
