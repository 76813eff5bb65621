/**
 * The harness gradcheck and gradgradcheck share over the op-spec table: for every row with
 * `gradInputs`, each random case is materialised in float64 on the CPU, the row's function is
 * taken as a function of its differentiable inputs only, and `check` must pass.
 */
import type { GradcheckOptions, GradcheckReport } from '@webgrad/autograd';
import type { Tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { materializeAll } from '../../tensor/test/spec/materialize.js';
import { OP_SPECS } from '../../tensor/test/spec/op-specs.js';

type Check = (f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions) => Promise<GradcheckReport>;

/** One test per differentiable row, `runs` random cases each, under `title`. */
export function describeGradRows(title: string, check: Check, runs: number): void {
  const differentiable = OP_SPECS.filter((row) => (row.gradInputs ?? []).length > 0);
  describe(title, () => {
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
          const report = await check(
            f,
            gradInputs.map((k) => inputs[k] as Tensor),
            { eps: row.grad?.eps, atol: row.grad?.atol, rtol: row.grad?.rtol },
          );
          if (!report.ok) throw new Error(`${row.name}: ${report.message}`);
        }),
        { numRuns: runs },
      );
    });
  });
}
