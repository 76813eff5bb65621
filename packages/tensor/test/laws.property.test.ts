/**
 * Algebraic laws the tensor package must obey, checked on random data: view round trips,
 * broadcasting = explicit expand, matmul associativity, softmax normalisation, seeded random
 * draws, and views sharing storage (no copies) while contiguous() copies only when it must.
 *
 * numRuns: 50 per property (FC_NUM_RUNS overrides); the file runs in about a second.
 */
import * as T from '@webgrad/tensor';
import { memory, type Tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastable, layout, operand, shape, uniform } from './spec/arbitraries.js';
import { assertClose, numRuns } from './spec/compare.js';
import { materialize } from './spec/materialize.js';
import type { Operand } from './spec/op-spec.js';
import { broadcastShape, sizeOfShape } from './spec/references.js';

const RUNS = { numRuns: numRuns(50) };
const cpu64 = { dtype: 'float64', device: 'cpu' } as const;
const std = uniform(-3, 3);
const anyOperand = shape().chain((s) => operand(s, std));

const refOf = (t: Tensor) => ({ shape: [...t.shape], data: Array.from(t.dataSync(), Number) });

describe('materialize', () => {
  it('keeps the values in every layout and gives the promised strides', () => {
    fc.assert(
      fc.property(anyOperand, (op) => {
        const t = materialize(op, cpu64);
        assertClose(refOf(t), op, 'exact', op.layout);
        // An empty slice has one canonical form (start 0, step 1): offset and strides say nothing.
        if (op.layout === 'sliced' && t.size > 0) {
          expect(t.offset).toBe(1);
          if (t.ndim > 0) expect(t.strides.at(-1)).toBe(2);
        }
        if (op.layout === 'transposed' && op.shape.filter((d) => d > 1).length >= 2) expect(t.isContiguous).toBe(false);
        if (op.layout === 'reversed' && t.size > 0 && op.shape.some((d) => d > 1)) {
          expect(t.isContiguous).toBe(false);
          expect(t.strides.some((st, i) => st < 0 && (op.shape[i] as number) > 1)).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

describe('view round trips', () => {
  it('reshape to a permutation of the dims and back is the identity', () => {
    fc.assert(
      fc.property(
        anyOperand.chain((op) =>
          fc.tuple(fc.constant(op), fc.shuffledSubarray(op.shape, { minLength: op.shape.length })),
        ),
        ([op, to]) => {
          const x = materialize(op, cpu64);
          assertClose(refOf(x.reshape(to).reshape(op.shape)), op, 'exact', 'reshape');
        },
      ),
      RUNS,
    );
  });

  it('permute then the inverse permutation is the identity', () => {
    fc.assert(
      fc.property(
        anyOperand.chain((op) =>
          fc.tuple(
            fc.constant(op),
            fc.shuffledSubarray(
              op.shape.map((_, i) => i),
              { minLength: op.shape.length },
            ),
          ),
        ),
        ([op, perm]) => {
          const inverse = perm.map((_, i) => perm.indexOf(i));
          const x = materialize(op, cpu64);
          assertClose(refOf(x.permute(...perm).permute(...inverse)), op, 'exact', 'permute');
        },
      ),
      RUNS,
    );
  });
});

describe('broadcasting commutes with expand', () => {
  const ops: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['add', T.add],
    ['mul', T.mul],
    ['sub', T.sub],
    ['maximum', T.maximum],
    ['lt', T.lt],
  ];
  for (const [name, f] of ops) {
    it(`${name}(a, b) == ${name}(expand(a), expand(b))`, () => {
      fc.assert(
        fc.property(
          broadcastable(2).chain((shapes) => fc.tuple(...shapes.map((s) => operand(s, std)))),
          ([a, b]) => {
            const [x, y] = [materialize(a as Operand, cpu64), materialize(b as Operand, cpu64)];
            const out = broadcastShape(x.shape, y.shape);
            assertClose(refOf(f(x, y)), refOf(f(x.expand(out), y.expand(out))), 'exact', name);
          },
        ),
        RUNS,
      );
    });
  }
});

it('matmul is associative within float64 rounding', () => {
  const d = fc.integer({ min: 1, max: 8 });
  const dims = fc.tuple(d, d, d, d);
  fc.assert(
    fc.property(
      dims.chain(([m, k, l, n]) =>
        fc.tuple(operand([m, k], std), operand([k, l], std), operand([l, n], std), fc.constant(k * l)),
      ),
      ([a, b, c, terms]) => {
        const [x, y, z] = [a, b, c].map((o) => materialize(o, cpu64)) as [Tensor, Tensor, Tensor];
        // Each entry sums k*l products of magnitude <= 27: reassociation error << 1e-12 * terms * 27.
        assertClose(
          refOf(x.matmul(y).matmul(z)),
          refOf(x.matmul(y.matmul(z))),
          { atol: 1e-12 * terms * 27, rtol: 0 },
          'assoc',
        );
      },
    ),
    RUNS,
  );
});

it('softmax lanes lie in [0, 1] and sum to 1, even for logits in the thousands', () => {
  fc.assert(
    fc.property(
      shape({ minRank: 1, zero: false }).chain((s) =>
        fc.tuple(operand(s, uniform(-2000, 2000)), fc.integer({ min: 0, max: s.length - 1 }), fc.boolean()),
      ),
      ([op, axis, f32]) => {
        const x = materialize(op, { dtype: f32 ? 'float32' : 'float64', device: 'cpu' });
        const p = x.softmax(axis);
        const v = Array.from(p.dataSync());
        expect(v.every((e) => e >= 0 && e <= 1)).toBe(true);
        const sums = refOf(p.sum(axis));
        const ones = { shape: sums.shape, data: sums.data.map(() => 1) };
        assertClose(sums, ones, { atol: f32 ? 1e-6 : 1e-14, rtol: 0 }, 'softmax sum');
      },
    ),
    RUNS,
  );
});

describe('seeded random draws', () => {
  it('same seed, same numbers; different seeds, different numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 1000 }), (seed, delta) => {
        const draws = [
          (s: number) => T.randn([40], { seed: s }),
          (s: number) => T.rand([40], { seed: s }),
          (s: number) => T.randint(-5, 1000, [40], { seed: s }),
        ];
        for (const draw of draws) {
          const [a, b, c] = [draw(seed), draw(seed), draw(seed + delta)];
          expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
          expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
        }
      }),
      { numRuns: numRuns(20) },
    );
  });

  it('float32 and float64 uniform draws agree exactly (24 random bits)', () => {
    const a = T.rand([1000], { seed: 7, dtype: 'float32' }).dataSync();
    const b = T.rand([1000], { seed: 7, dtype: 'float64' }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('randn has mean 0 and variance 1; rand is uniform on [0, 1); randint covers [low, high)', () => {
    const n = 200_000;
    const z = T.randn([n], { seed: 123, dtype: 'float64' });
    // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; allow 5 of them.
    expect(Math.abs(z.mean().dataSync()[0] as number)).toBeLessThan(0.011);
    expect(Math.abs((z.var().dataSync()[0] as number) - 1)).toBeLessThan(0.016);
    // Fourth moment 3 (normal, not just any unit-variance law); its standard error is sqrt(96/n).
    expect(Math.abs((z.pow(4).mean().dataSync()[0] as number) - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    const u = T.rand([n], { seed: 5, dtype: 'float64' });
    expect(u.min().dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(u.max().dataSync()[0]).toBeLessThan(1);
    expect(Math.abs((u.mean().dataSync()[0] as number) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    const k = Array.from(T.randint(-3, 4, [1000], { seed: 9 }).dataSync());
    expect(new Set(k)).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3]));
  });
});

describe('views share storage; contiguous() copies only when needed', () => {
  it('reshape, permute, expand, slice, squeeze, unsqueeze and flatten never copy', () => {
    fc.assert(
      fc.property(shape({ minRank: 1 }), layout, (s, lay) => {
        const x = materialize(
          { shape: s, data: s.length ? new Array(sizeOfShape(s)).fill(1) : [1], kind: 'float', layout: lay },
          cpu64,
        );
        const bytes = memory().cpu?.bytes;
        const views = [
          x.permute(...s.map((_, i) => s.length - 1 - i)),
          x.expand([2, ...s]),
          x.slice([0, undefined, 2]),
          x.unsqueeze(0),
          x.unsqueeze(0).squeeze(0),
          ...(x.isContiguous ? [x.reshape([-1]), x.flatten()] : []),
        ];
        for (const v of views) expect(v.storage).toBe(x.storage);
        expect(memory().cpu?.bytes).toBe(bytes);
      }),
      RUNS,
    );
  });

  it('contiguous() returns the tensor itself when contiguous and a fresh copy otherwise', () => {
    const x = T.arange(12, undefined, 1, { dtype: 'float32' }).reshape(3, 4);
    expect(x.contiguous()).toBe(x);
    const t = x.transpose();
    const c = t.contiguous();
    expect(c.storage).not.toBe(x.storage);
    expect(c.isContiguous).toBe(true);
    expect(c.arraySync()).toEqual(t.arraySync());
    // A slice with step 1 on the leading axis is still contiguous: no copy.
    const rows = x.slice([1, 3]);
    expect(rows.contiguous()).toBe(rows);
    // Reshape of a transposed view cannot be a view: it copies, with the right values.
    const flat = t.reshape(12);
    expect(flat.storage).not.toBe(x.storage);
    expect(Array.from(flat.dataSync())).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  });
});
