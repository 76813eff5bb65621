/**
 * Coverage of the forward-mode suites by primitive: this file FAILS when a primitive of the
 * primitive table (prims.ts) has no VJP, JVP or batching rule (or the rules are out of the
 * primitive table's order), or is reached by no row of the forward-mode suites: the
 * differentiable op-spec rows (jvp-ops.property.test.ts) and the primitive rows below (paths
 * that no composite row reaches). A primitive whose outputs can
 * carry no tangent must say why in NO_TANGENT, and its zero tangent is checked.
 */
import { BATCH_RULES, checkGrads, JVP_RULES, jvp, RULES } from '@webgrad/autograd';
import { addObserver, dispatch, onesLike, PRIMS, type Prim, randn, type Tensor, tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { materializeAll } from '../../tensor/test/spec/materialize.js';
import { OP_SPECS } from '../../tensor/test/spec/op-specs.js';

const f64 = (shape: number[], seed: number) => randn(shape, { dtype: 'float64', seed });

/** Primitive paths outside the op-spec rows, checked to second order in both modes. */
const PRIMITIVE_ROWS: { name: string; inputs: () => Tensor[]; f: (...xs: Tensor[]) => Tensor }[] = [
  {
    name: 'pad with interior padding and a non-zero value',
    inputs: () => [f64([2, 3], 1)],
    f: (x) => dispatch('pad', [x], { low: [1, 0], high: [0, 2], interior: [2, 1], value: 0.5 }).mul(x.sum()),
  },
  {
    name: 'strided slice with a step',
    inputs: () => [f64([5, 4], 3)],
    f: (x) => dispatch('slice', [x], { starts: [0, 1], stops: [5, 4], steps: [2, 2] }).exp(),
  },
  {
    name: 'permute of a 3-d tensor',
    inputs: () => [f64([2, 3, 2], 4)],
    f: (x) => dispatch('permute', [x.sin()], { perm: [2, 0, 1] }).mul(x.reshape([2, 2, 3])),
  },
];

/** Primitives whose results carry no tangent, and why. */
const NO_TANGENT: Partial<Record<Prim, string>> = {
  cmplt: 'bool output',
  cmpeq: 'bool output',
  argsort: 'int32 output (positions)',
  floor: 'piecewise constant: its derivative is 0 wherever it exists',
};

function primsReached(run: () => void): Set<Prim> {
  const seen = new Set<Prim>();
  const stop = addObserver({ onOp: (r) => seen.add(r.prim) });
  try {
    run();
  } finally {
    stop();
  }
  return seen;
}

describe('every primitive has rules and a row in the forward-mode suites', () => {
  const prims = Object.keys(PRIMS) as Prim[];

  it('the VJP, JVP and batching tables have one rule per primitive, in the order of the primitive table', () => {
    // Same rows in the same order: one primitive's rules are found at the same place in each file.
    expect(Object.keys(RULES)).toEqual(prims);
    expect(Object.keys(JVP_RULES)).toEqual(prims);
    expect(Object.keys(BATCH_RULES)).toEqual(prims);
  });

  it('every primitive that can carry a tangent is reached by a differentiable row under jvp', () => {
    const reached = new Set<Prim>();
    for (const row of OP_SPECS.filter((r) => (r.gradInputs ?? []).length > 0)) {
      for (const c of fc.sample(row.cases, { numRuns: 5, seed: 1 })) {
        const inputs = materializeAll(c, { dtype: 'float64', device: 'cpu' });
        const which = row.gradInputs as number[];
        const f = (...xs: Tensor[]) =>
          row.apply(
            inputs.map((t, i) => (which.includes(i) ? (xs[which.indexOf(i)] as Tensor) : t)),
            c.params,
          );
        const xs = which.map((k) => inputs[k] as Tensor);
        for (const p of primsReached(() =>
          jvp(
            f,
            xs,
            xs.map((x) => onesLike(x)),
          ),
        ))
          reached.add(p);
      }
    }
    for (const row of PRIMITIVE_ROWS) {
      const xs = row.inputs();
      for (const p of primsReached(() =>
        jvp(
          row.f,
          xs,
          xs.map((x) => onesLike(x)),
        ),
      ))
        reached.add(p);
    }
    const missing = prims.filter((p) => !reached.has(p) && NO_TANGENT[p] === undefined);
    expect(missing, `primitives no forward-mode row reaches: add an op-spec row (or a PRIMITIVE_ROWS entry)`).toEqual(
      [],
    );
  });

  it.each(PRIMITIVE_ROWS.map((r) => [r.name, r] as const))(
    'primitive row: %s, to second order in both modes',
    async (_n, row) => {
      const r = await checkGrads(row.f, row.inputs(), { order: 2 });
      expect(r.ok, r.message).toBe(true);
    },
  );

  it('a float -> float cast casts the tangent (central differences through float32 would be noise)', () => {
    const x = tensor([0.1, 0.2], { dtype: 'float64' });
    const v = tensor([1 / 3, 3], { dtype: 'float64' });
    const [y, t] = jvp((x: Tensor) => x.cast('float32').mul(2), [x], [v]);
    expect(y.dtype).toBe('float32');
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.dataSync())).toEqual([Math.fround(1 / 3) * 2, 6]);
    const [, back] = jvp((x: Tensor) => x.cast('float32').cast('float64'), [x], [v]);
    expect(Array.from(back.dataSync())).toEqual([Math.fround(1 / 3), 3]);
  });

  it('floor has a zero tangent', () => {
    const x = tensor([0.3, 1.7, -2.2], { dtype: 'float64' });
    const [, t] = jvp((x: Tensor) => dispatch('floor', [x], {} as never).add(x), [x], [onesLike(x)]);
    expect(Array.from(t.dataSync())).toEqual([1, 1, 1]);
  });
});
