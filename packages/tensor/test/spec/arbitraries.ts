/**
 * fast-check generators for the op-spec table: shapes (with size-0 and size-1 dims), broadcastable
 * shape sets, value domains that keep differentiable ops away from kinks, and memory layouts.
 *
 * Values are drawn as integers and scaled, not with fc.double: that keeps draws spread evenly over
 * the domain (fc.double favours extremes and subnormals) and makes "away from x" exact.
 */
import * as fc from 'fast-check';
import type { Layout, OpCase, Operand } from './op-spec.js';
import { sizeOfShape } from './references.js';

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  /** Largest dim (default 4). */
  maxDim?: number;
  /** Largest element count (default 64: gradcheck builds full Jacobians from these rows). */
  maxSize?: number;
  /** Allow size-0 dims (default true). */
  zero?: boolean;
}

/** One dim: mostly 2..maxDim, often 1, sometimes 0. */
export function dim(maxDim = 4, zero = true): fc.Arbitrary<number> {
  const arbs = [
    { arbitrary: fc.integer({ min: 2, max: Math.max(2, maxDim) }), weight: 12 },
    { arbitrary: fc.constant(1), weight: 4 },
  ];
  if (zero) arbs.push({ arbitrary: fc.constant(0), weight: 1 });
  return fc.oneof(...arbs);
}

export function shape(o: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 3, maxDim = 4, maxSize = 64, zero = true } = o;
  return fc
    .array(dim(maxDim, zero), { minLength: minRank, maxLength: maxRank })
    .filter((s) => sizeOfShape(s) <= maxSize);
}

/**
 * `count` shapes that broadcast together: an output shape, then per operand a suffix of it
 * with some dims replaced by 1.
 */
export function broadcastable(count: number, o: ShapeOptions = {}): fc.Arbitrary<number[][]> {
  return shape(o).chain((out) =>
    fc.tuple(
      ...Array.from({ length: count }, () =>
        fc
          .tuple(
            fc.integer({ min: 0, max: out.length }),
            fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
          )
          .map(([drop, ones]) => out.map((d, i) => (ones[i] ? 1 : d)).slice(drop)),
      ),
    ),
  );
}

/** A generator of `n` values. */
export type Values = (n: number) => fc.Arbitrary<number[]>;

const STEPS = 1 << 20;

function fixed<T>(n: number, arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc.array(arb, { minLength: n, maxLength: n });
}

/** Evenly spread in [min, max]. */
export const uniform =
  (min: number, max: number): Values =>
  (n) =>
    fixed(n, fc.integer({ min: 0, max: STEPS })).map((ks) => ks.map((k) => min + ((max - min) * k) / STEPS));

/** ±[min, max]: keeps away from 0 (abs, relu, reciprocal, prod). */
export const magnitude =
  (min: number, max: number): Values =>
  (n) =>
    fc.tuple(uniform(min, max)(n), fixed(n, fc.boolean())).map(([vs, neg]) => vs.map((v, i) => (neg[i] ? -v : v)));

/** (k + frac) * scale for integers k in [lo, hi]: a grid offset from the integers (and from 0). */
export const grid =
  (lo: number, hi: number, scale: number, frac = 0.5): Values =>
  (n) =>
    fixed(n, fc.integer({ min: lo, max: hi })).map((ks) => ks.map((k) => (k + frac) * scale));

/** Pairwise distinct grid values: no ties (max/min reductions, where gradients would split). */
export const distinct =
  (lo: number, hi: number, scale: number, frac = 0.5): Values =>
  (n) =>
    fc
      .uniqueArray(fc.integer({ min: lo, max: hi }), { minLength: n, maxLength: n })
      .map((ks) => ks.map((k) => (k + frac) * scale));

/** Integers in [min, max] (int32 operands, ties for comparisons and argmax). */
export const ints =
  (min: number, max: number): Values =>
  (n) =>
    fixed(n, fc.integer({ min, max }));

export const bools: Values = (n) => fixed(n, fc.integer({ min: 0, max: 1 }));

/** Mostly `base`, sometimes one of `specials` (NaN, infinities, out-of-range values). */
export const withSpecials =
  (base: Values, specials: readonly number[]): Values =>
  (n) =>
    fc
      .tuple(base(n), fixed(n, fc.option(fc.constantFrom(...specials), { freq: 4 })))
      .map(([vs, sp]) => vs.map((v, i) => sp[i] ?? v));

export const layout: fc.Arbitrary<Layout> = fc.constantFrom('contiguous', 'transposed', 'sliced', 'reversed');

/** An operand of `shape` with values from `values` and a random layout. */
export function operand(s: readonly number[], values: Values, kind: Operand['kind'] = 'float'): fc.Arbitrary<Operand> {
  return fc.tuple(values(sizeOfShape(s)), layout).map(([data, lay]) => ({ shape: [...s], data, kind, layout: lay }));
}

/** Operands for each shape, all drawn from `values` (same kind). */
export function operands(
  shapes: readonly (readonly number[])[],
  values: Values | readonly Values[],
  kind: Operand['kind'] = 'float',
): fc.Arbitrary<Operand[]> {
  const pick = (i: number) => (typeof values === 'function' ? values : (values[i] as Values));
  return fc.tuple(...shapes.map((s, i) => operand(s, pick(i), kind)));
}

/** A case with no parameters. */
export const plain = (inputs: fc.Arbitrary<Operand[]>): fc.Arbitrary<OpCase> =>
  inputs.map((ins) => ({ inputs: ins, params: {} }));

/**
 * A reduction axis argument for rank `nd`: undefined (all axes), one axis, or a set (possibly
 * empty), each axis written non-negative or negative at random.
 */
export function axisArg(nd: number): fc.Arbitrary<number | number[] | undefined> {
  const one = (a: number) => fc.constantFrom(a, a - nd);
  const all = fc.constant(undefined);
  if (nd === 0) return fc.oneof(all, fc.constant([] as number[]));
  const single = fc.integer({ min: 0, max: nd - 1 }).chain(one);
  const set = fc
    .subarray(Array.from({ length: nd }, (_, i) => i))
    .chain((axes) => (axes.length ? fc.tuple(...axes.map(one)) : fc.constant([] as number[])));
  return fc.oneof(all, single, set);
}

/** One axis of rank `nd`, non-negative or negative (nd >= 1). */
export function oneAxis(nd: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: nd - 1 }).chain((a) => fc.constantFrom(a, a - nd));
}
