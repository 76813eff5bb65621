/**
 * Every row of the op-spec table under vmap (float64, CPU): `vmap(f)(X)` equals stacking
 * `f(x_i)` over the examples, for random shapes and params (the row's cases), random batch sizes
 * (0 to 3), random inAxes per operand (null, or any axis, negative ones included) and a random
 * outAxes; and for differentiable rows, vmap of grad equals a loop of grads. The examples of an
 * operand are shuffles of the row's drawn values, so each stays inside the row's domain.
 *
 * The last test fails when some primitive was never batched by this file: a new primitive needs
 * a batching rule (batching-rules.ts) and a case that reaches it.
 *
 * Runs per row: FC_NUM_RUNS when set; else 50 under CI and 15 locally.
 */
import { BatchTracer, grad, vmap } from '@webgrad/autograd';
import { addObserver, dispatch, PRIMS, type Prim, randn, stack, type Tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClose, F64_TOL, numRuns } from '../../tensor/test/spec/compare.js';
import { materialize, toRef } from '../../tensor/test/spec/materialize.js';
import type { OpCase, OpSpec, Ref } from '../../tensor/test/spec/op-specs.js';
import { OP_SPECS } from '../../tensor/test/spec/op-specs.js';
import { type Batching, batching, loopReference, outAxisFor, prepare } from './vmap-cases.js';

const RUNS = numRuns(process.env.CI ? 50 : 15);
const OPTS = { dtype: 'float64', device: 'cpu' } as const;

/** Primitives dispatched on batch tracers while this file runs. */
const batched = new Set<Prim>();
const stopObserving = addObserver({
  onOp: (r) => {
    if (r.inputs.some((t) => t instanceof BatchTracer)) batched.add(r.prim);
  },
});
afterAll(stopObserving);

async function checkRow(row: OpSpec, c: OpCase, b: Batching): Promise<void> {
  const p = prepare(c, b);
  const f = (xs: Tensor[]) => row.apply(xs, c.params);
  const rank = f(c.inputs.map((op) => materialize(op, OPTS))).ndim;
  const outAxis = outAxisFor(b, rank);
  const y = vmap((...xs: Tensor[]) => f(xs), { inAxes: p.inAxes, outAxes: outAxis })(...p.args);
  const [expected] = await loopReference(f, c, p, outAxis);
  const context = `${row.name} inAxes ${JSON.stringify(p.inAxes)} outAxes ${outAxis} batch ${b.size}`;
  assertClose(await toRef(y), expected as Ref, row.exact ? 'exact' : F64_TOL, context);
}

async function checkRowGrad(row: OpSpec, c: OpCase, b: Batching): Promise<void> {
  const p = prepare(c, b);
  const gradInputs = row.gradInputs as number[];
  const outShape = row.apply(
    c.inputs.map((op) => materialize(op, OPTS)),
    c.params,
  ).shape;
  const w = randn(outShape, { seed: b.seed, dtype: 'float64' });
  // loss(x_k for k in gradInputs, then the other operands)
  const rest = c.inputs.map((_, k) => k).filter((k) => !gradInputs.includes(k));
  const order = [...gradInputs, ...rest];
  const loss = (...xs: Tensor[]) => {
    const all: Tensor[] = [];
    order.forEach((k, j) => {
      all[k] = xs[j] as Tensor;
    });
    return row.apply(all, c.params).mul(w).sum();
  };
  const dLoss = grad(loss, { argnums: gradInputs.map((_, j) => j) });
  const reorder = (xs: readonly Tensor[]) => order.map((k) => xs[k] as Tensor);
  const got = vmap(dLoss, { inAxes: order.map((k) => p.inAxes[k] as number | null) })(...reorder(p.args)) as Tensor[];
  const expected = await loopReference((xs) => dLoss(...reorder(xs)) as Tensor[], c, p, 0);
  const context = `d ${row.name} inAxes ${JSON.stringify(p.inAxes)} batch ${b.size}`;
  for (let j = 0; j < got.length; j++) {
    assertClose(await toRef(got[j] as Tensor), expected[j] as Ref, F64_TOL, `${context}, gradient ${j}`);
  }
}

describe('vmap of every op-spec row equals stacking the row per example', () => {
  it.each(OP_SPECS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await fc.assert(
      fc.asyncProperty(
        row.cases.chain((c) => batching(c).map((b) => [c, b] as const)),
        ([c, b]) => checkRow(row, c, b),
      ),
      { numRuns: RUNS },
    );
  });
});

describe('vmap of grad equals a loop of grads, for every differentiable row', () => {
  const differentiable = OP_SPECS.filter((row) => (row.gradInputs ?? []).length > 0);
  it.each(differentiable.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await fc.assert(
      fc.asyncProperty(
        row.cases.chain((c) => batching(c).map((b) => [c, b] as const)),
        ([c, b]) => checkRowGrad(row, c, b),
      ),
      { numRuns: RUNS },
    );
  });
});

/** Primitive paths no row reaches: interior padding, float <-> float casts. */
describe('primitive paths outside the op-spec rows', () => {
  it('pad with interior padding, and float64 -> float32 casts, batch like a loop', async () => {
    const x = randn([3, 2, 4], { seed: 3, dtype: 'float64' });
    const f = (t: Tensor) =>
      dispatch('pad', [t], { low: [1, 0], high: [0, 2], interior: [2, 1], value: 0.5 }).cast('float32');
    const y = vmap(f, { inAxes: 1 })(x);
    const loop = [0, 1].map((i) => f(x.slice(null, i).squeeze(1)));
    expect(y.dtype).toBe('float32');
    expect(await y.array()).toEqual(await stack(loop as Tensor[], 0).array());
  });
});

describe('coverage', () => {
  it('every primitive was batched by this file (a new primitive needs a batching rule and a case)', () => {
    const missing = (Object.keys(PRIMS) as Prim[]).filter((p) => !batched.has(p));
    expect(missing, `primitives never batched: ${missing.join(', ')}`).toEqual([]);
  });
});
