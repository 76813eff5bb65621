/**
 * Forward mode for every differentiable row of the op-spec table (float64, CPU), over the row's
 * random cases, shapes and memory layouts:
 * - jvp against central differences, every Jacobian column (checkGrads, mode 'fwd', order 1);
 * - ⟨u, J v⟩ = ⟨J^T u, v⟩ for random u and v: jvp and vjp agree to float64 rounding (1e-10);
 * - second order, for every row (smooth rows, and piecewise-smooth ones away from their kinks,
 *   which the generators keep away from): grad of grad and jvp of grad against central
 *   differences of the first derivative (checkGrads, order 2).
 *
 * Runs per row: FC_NUM_RUNS when set; else 100 under CI and 6 locally (4 for second order).
 */
import { checkGrads, jvp, vjp } from '@webgrad/autograd';
import { type Tensor, tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { numRuns } from '../../tensor/test/spec/compare.js';
import { materializeAll } from '../../tensor/test/spec/materialize.js';
import type { OpCase, OpSpec } from '../../tensor/test/spec/op-spec.js';
import { OP_SPECS } from '../../tensor/test/spec/op-specs.js';

const RUNS = numRuns(process.env.CI ? 100 : 6);
const RUNS_2 = numRuns(process.env.CI ? 25 : 4);

const differentiable = OP_SPECS.filter((row) => (row.gradInputs ?? []).length > 0);

/** The row's op as a function of its differentiated inputs, the others fixed. */
function rowFn(row: OpSpec, c: OpCase, inputs: Tensor[]): (...xs: Tensor[]) => Tensor {
  const which = row.gradInputs as number[];
  return (...xs) => {
    const all = [...inputs];
    which.forEach((k, j) => {
      all[k] = xs[j] as Tensor;
    });
    return row.apply(all, c.params);
  };
}

function dot(a: Tensor, b: Tensor): number {
  const [x, y] = [a.dataSync(), b.dataSync()];
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) * (y[i] as number);
  return s;
}

/** Standard normals from fast-check's integers (so a failing case shrinks and replays). */
const direction = (n: number) =>
  fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: n, maxLength: n }).map((a) => a.map((v) => v / 250));

describe('jvp of every differentiable op-spec row against central differences', () => {
  it.each(differentiable.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await fc.assert(
      fc.asyncProperty(row.cases, async (c) => {
        const inputs = materializeAll(c, { dtype: 'float64', device: 'cpu' });
        const which = row.gradInputs as number[];
        const r = await checkGrads(
          rowFn(row, c, inputs),
          which.map((k) => inputs[k] as Tensor),
          { order: 1, modes: ['fwd'], eps: row.grad?.eps, atol: row.grad?.atol, rtol: row.grad?.rtol },
        );
        if (!r.ok) throw new Error(`${row.name}: ${r.message}`);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('⟨u, jvp(v)⟩ = ⟨vjp(u), v⟩ for every differentiable op-spec row', () => {
  it.each(differentiable.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const cases = row.cases.chain((c) => {
      const inputs = materializeAll(c, { dtype: 'float64', device: 'cpu' });
      const which = row.gradInputs as number[];
      const out = rowFn(row, c, inputs)(...which.map((k) => inputs[k] as Tensor));
      const sizes = which.map((k) => (inputs[k] as Tensor).size);
      return fc.tuple(fc.constant(c), direction(out.size), fc.tuple(...sizes.map(direction)));
    });
    await fc.assert(
      fc.property(cases, ([c, u, vs]) => {
        const inputs = materializeAll(c, { dtype: 'float64', device: 'cpu' });
        const which = row.gradInputs as number[];
        const xs = which.map((k) => inputs[k] as Tensor);
        const f = rowFn(row, c, inputs);
        const tangents = xs.map((x, j) =>
          tensor(Float64Array.from(vs[j] as number[]), { dtype: 'float64', shape: x.shape }),
        );
        const [out, jv] = jvp(f, xs, tangents);
        const ut = tensor(Float64Array.from(u), { dtype: 'float64', shape: out.shape });
        const left = dot(ut, jv);
        const right = vjp(f, ...xs)[1](ut).reduce((acc, g, j) => acc + dot(g, tangents[j] as Tensor), 0);
        const scale = Math.abs(left) + Math.abs(right) + 1;
        if (!(Math.abs(left - right) <= 1e-10 * scale)) {
          throw new Error(`${row.name}: ⟨u, J v⟩ = ${left} by jvp but ${right} by vjp`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('second order for every differentiable op-spec row: grad of grad, jvp of grad, jvp of jvp', () => {
  it.each(differentiable.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await fc.assert(
      fc.asyncProperty(row.cases, async (c) => {
        const inputs = materializeAll(c, { dtype: 'float64', device: 'cpu' });
        const which = row.gradInputs as number[];
        const r = await checkGrads(
          rowFn(row, c, inputs),
          which.map((k) => inputs[k] as Tensor),
          { order: 2, eps: row.grad?.eps, atol: row.grad?.atol, rtol: row.grad?.rtol },
        );
        if (!r.ok) throw new Error(`${row.name}: ${r.message}`);
      }),
      { numRuns: RUNS_2 },
    );
  });
});
