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
import type { OpCase, Operand, OpSpec, Ref } from '../../tensor/test/spec/op-specs.js';
import { OP_SPECS } from '../../tensor/test/spec/op-specs.js';
import { permuteRef } from '../../tensor/test/spec/references.js';

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

interface Batching {
  size: number;
  /** Per operand: null (unbatched) or an axis in [-(r + 1), r]. */
  inAxes: (number | null)[];
  /** Reduced modulo the output rank + 1 once that is known (negative half of the time). */
  outAxis: number;
  seed: number;
}

function batching(c: OpCase): fc.Arbitrary<Batching> {
  const axis = (op: Operand) =>
    fc.option(fc.integer({ min: -op.shape.length - 1, max: op.shape.length }), { nil: null });
  return fc.record({
    size: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 3 }), weight: 6 }, { arbitrary: fc.constant(0), weight: 1 }),
    inAxes: fc.tuple(...c.inputs.map(axis)),
    outAxis: fc.integer({ min: -6, max: 6 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });
}

/** A deterministic shuffle (mulberry32-driven Fisher-Yates) of `data`. */
function shuffled(data: readonly number[], seed: number): number[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const out = [...data];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

/** Example i of operand k: the drawn values for i = 0, shuffles of them after. */
function exampleOf(op: Operand, k: number, i: number, seed: number): Operand {
  return i === 0 ? op : { ...op, data: shuffled(op.data, seed + 7919 * k + 104729 * i) };
}

/** `refs` (one shape) stacked along a new axis `axis`. */
function stackRefs(refs: readonly Ref[], shape: readonly number[], axis: number): Ref {
  const stacked: Ref = { shape: [refs.length, ...shape], data: refs.flatMap((r) => r.data) };
  const perm = stacked.shape.map((_, i) => i).slice(1);
  perm.splice(axis, 0, 0);
  return permuteRef(stacked, perm);
}

function normalized(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

interface Prepared {
  /** The vmap arguments (batched operands stacked on their in axis, in the case's layout). */
  args: Tensor[];
  inAxes: (number | null)[];
  /** Per example, its operands. */
  examples: Tensor[][];
}

function prepare(c: OpCase, b: Batching): Prepared {
  const inAxes = [...b.inAxes];
  if (!inAxes.some((a) => a !== null)) inAxes[0] = 0; // vmap needs one batched argument
  const examples = Array.from({ length: b.size }, (_, i) =>
    c.inputs.map((op, k) =>
      materialize(inAxes[k] === null ? op : { ...exampleOf(op, k, i, b.seed), layout: 'contiguous' }, OPTS),
    ),
  );
  const args = c.inputs.map((op, k) => {
    const a = inAxes[k];
    if (a === null || a === undefined) return materialize(op, OPTS);
    const refs = Array.from({ length: b.size }, (_, i) => exampleOf(op, k, i, b.seed));
    const stacked = stackRefs(refs, op.shape, normalized(a, op.shape.length + 1));
    return materialize({ ...stacked, kind: op.kind, layout: op.layout }, OPTS);
  });
  return { args, inAxes, examples };
}

/** f(x_i) for every example, stacked on `axis` (shape from the drawn operands when there are none). */
async function loopReference(
  f: (xs: Tensor[]) => Tensor | Tensor[],
  c: OpCase,
  p: Prepared,
  outAxis: number,
): Promise<Ref[]> {
  const probe = [f(c.inputs.map((op) => materialize(op, OPTS)))].flat();
  const outs = await Promise.all(p.examples.map(async (xs) => Promise.all([f(xs)].flat().map(toRef))));
  return probe.map((t, j) =>
    stackRefs(
      outs.map((o) => o[j] as Ref),
      t.shape,
      normalized(outAxis, t.ndim + 1),
    ),
  );
}

function outAxisFor(b: Batching, rank: number): number {
  const n = rank + 1;
  const a = ((b.outAxis % n) + n) % n;
  return b.outAxis < 0 ? a - n : a;
}

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
