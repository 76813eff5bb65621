/**
 * Op-spec rows for elementwise ops: unary math and activations, binary arithmetic (broadcast
 * pairs and scalar operands), comparisons, where, cast, clip and int32 arithmetic.
 */
import type { DType, Tensor, TensorLike } from '@webgrad/tensor';
import * as T from '@webgrad/tensor';
import * as fc from 'fast-check';
import {
  bools,
  broadcastable,
  grid,
  ints,
  magnitude,
  operand,
  operands,
  plain,
  shape,
  uniform,
  type Values,
  withSpecials,
} from './arbitraries.js';
import type { OpSpec, Ref } from './op-spec.js';
import * as R from './references.js';

type Binary = (a: TensorLike, b: TensorLike) => Tensor;

function unaryRow(
  name: string,
  fn: (x: Tensor) => Tensor,
  ref: (v: number) => number,
  values: Values,
  extra: Partial<OpSpec> = {},
): OpSpec {
  return {
    name,
    cases: plain(shape().chain((s) => operands([s], values))),
    apply: ([x]) => fn(x as Tensor),
    reference: ([x]) => R.mapRef(x as Ref, ref),
    gradInputs: [0],
    ...extra,
  };
}

/** Two broadcast operands, drawn from `a` and `b`. */
function binaryRow(
  name: string,
  fn: Binary,
  ref: (x: number, y: number) => number,
  a: Values,
  b: Values = a,
  extra: Partial<OpSpec> = {},
): OpSpec {
  return {
    name,
    cases: plain(broadcastable(2).chain((shapes) => operands(shapes, [a, b]))),
    apply: ([x, y]) => fn(x as Tensor, y as Tensor),
    reference: (ins) => R.zipRef(ins, ref),
    gradInputs: [0, 1],
    ...extra,
  };
}

/**
 * One tensor operand and one JS number, on the left or right (`params.side`). The number comes
 * from `sa`/`sb` (its side's domain) and must be exact in float32, since the reference sees it
 * unrounded: the scalar domains below are grids of quarters.
 */
function scalarRow(
  name: string,
  fn: Binary,
  ref: (x: number, y: number) => number,
  [a, b]: [Values, Values],
  [sa, sb]: [Values, Values],
  extra: Partial<OpSpec> = {},
): OpSpec {
  const cases = fc.boolean().chain((left) =>
    shape().chain((s) =>
      fc.tuple(operand(s, left ? b : a), (left ? sa : sb)(1)).map(([x, [v]]) => ({
        inputs: [x],
        params: { scalar: v as number, side: left ? 'left' : 'right' },
      })),
    ),
  );
  return {
    name: `${name}(scalar)`,
    cases,
    apply: ([x], p) => (p.side === 'left' ? fn(p.scalar as number, x as Tensor) : fn(x as Tensor, p.scalar as number)),
    reference: ([x], p) =>
      R.mapRef(x as Ref, (v) => (p.side === 'left' ? ref(p.scalar as number, v) : ref(v, p.scalar as number))),
    gradInputs: [0],
    ...extra,
  };
}

const std = uniform(-3, 3);
const quarters = grid(-12, 11, 0.25); // ±(0.125 .. 2.875), exact in float32
const positive = uniform(0.2, 3);
const nonzero = magnitude(0.3, 3);
/** Interleaved grids: any value of one is at least 0.125 from any value of the other (max ties). */
const gridA = grid(-12, 11, 0.25, 0.25);
const gridB = grid(-12, 11, 0.25, 0.75);

const UNARY: OpSpec[] = [
  unaryRow('neg', T.neg, (v) => -v, std),
  unaryRow('exp', T.exp, Math.exp, std),
  unaryRow('log', T.log, Math.log, uniform(0.1, 5)),
  unaryRow('sqrt', T.sqrt, Math.sqrt, uniform(0.1, 5)),
  unaryRow('abs', T.abs, Math.abs, magnitude(0.1, 3)),
  // sign is exact and not differentiable; zeros are in its domain on purpose.
  unaryRow('sign', T.sign, (v) => Math.sign(v) + 0, grid(-3, 3, 1, 0), { gradInputs: [], exact: true }),
  unaryRow('sin', T.sin, Math.sin, std),
  unaryRow('cos', T.cos, Math.cos, std),
  unaryRow('tanh', T.tanh, Math.tanh, std),
  unaryRow('erf', T.erf, R.erfRef, uniform(-2.5, 2.5)),
  unaryRow('sigmoid', T.sigmoid, R.sigmoidRef, uniform(-5, 5)),
  unaryRow('relu', T.relu, (v) => Math.max(v, 0), magnitude(0.1, 3)),
  unaryRow('gelu(erf)', (x) => T.gelu(x), R.geluErfRef, std),
  unaryRow('gelu(tanh)', (x) => T.gelu(x, 'tanh'), R.geluTanhRef, std),
  // 0 on purpose: softplus is smooth there, and its stable form must be too (to every order).
  unaryRow('softplus', T.softplus, R.softplusRef, withSpecials(uniform(-5, 5), [0])),
  unaryRow('silu', T.silu, (v) => v * R.sigmoidRef(v), uniform(-4, 4)),
  unaryRow('square', T.square, (v) => v * v, std),
  unaryRow('reciprocal', T.reciprocal, (v) => 1 / v, magnitude(0.2, 3)),
  unaryRow('rsqrt', T.rsqrt, (v) => 1 / Math.sqrt(v), uniform(0.1, 5)),
];

const BINARY: OpSpec[] = [
  binaryRow('add', T.add, (x, y) => x + y, std),
  binaryRow('sub', T.sub, (x, y) => x - y, std),
  binaryRow('mul', T.mul, (x, y) => x * y, std),
  binaryRow('div', T.div, (x, y) => x / y, std, nonzero),
  binaryRow('pow', T.pow, (x, y) => x ** y, positive, uniform(-2, 2)),
  binaryRow('maximum', T.maximum, Math.max, gridA, gridB),
  binaryRow('minimum', T.minimum, Math.min, gridA, gridB),
  scalarRow('add', T.add, (x, y) => x + y, [std, std], [quarters, quarters]),
  scalarRow('sub', T.sub, (x, y) => x - y, [std, std], [quarters, quarters]),
  scalarRow('mul', T.mul, (x, y) => x * y, [std, std], [quarters, quarters]),
  scalarRow('div', T.div, (x, y) => x / y, [std, nonzero], [quarters, quarters]),
  scalarRow('pow', T.pow, (x, y) => x ** y, [positive, uniform(-2, 2)], [grid(0, 11, 0.25), grid(-8, 8, 0.25, 0)]),
  scalarRow('maximum', T.maximum, Math.max, [gridA, gridB], [gridA, gridB]),
  scalarRow('minimum', T.minimum, Math.min, [gridA, gridB], [gridA, gridB]),
];

/** Small integers as floats: plenty of ties, so every comparison sees equal operands. */
const tiny = grid(-2, 2, 1, 0);
const cmp = (name: string, fn: Binary, ref: (x: number, y: number) => boolean): OpSpec =>
  binaryRow(name, fn, (x, y) => (ref(x, y) ? 1 : 0), tiny, tiny, { exact: true, gradInputs: [] });

const COMPARE: OpSpec[] = [
  cmp('eq', T.eq, (x, y) => x === y),
  cmp('ne', T.ne, (x, y) => x !== y),
  cmp('lt', T.lt, (x, y) => x < y),
  cmp('le', T.le, (x, y) => x <= y),
  cmp('gt', T.gt, (x, y) => x > y),
  cmp('ge', T.ge, (x, y) => x >= y),
];

const where: OpSpec = {
  name: 'where',
  cases: plain(
    broadcastable(3).chain(([c, a, b]) =>
      fc.tuple(operand(c as number[], bools, 'bool'), operand(a as number[], std), operand(b as number[], std)),
    ),
  ),
  apply: ([c, a, b]) => T.where(c as Tensor, a as Tensor, b as Tensor),
  reference: (ins) => R.zipRef(ins, (c, a, b) => (c ? a : b)),
  gradInputs: [1, 2],
};

/** Values that test truncation toward zero and saturation of float -> int32 (NaN -> 0). */
const castValues = withSpecials(uniform(-5, 5), [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  3e9,
  -3e9,
  -2.5,
  2.5,
  -0.5,
  0,
]);

const cast: OpSpec = {
  name: 'cast',
  cases: shape().chain((s) =>
    fc
      .oneof(
        fc.tuple(operand(s, castValues), fc.constantFrom<DType>('int32', 'bool')),
        fc.tuple(operand(s, bools, 'bool'), fc.constantFrom<DType>('float32', 'int32')),
        fc.tuple(operand(s, ints(-1000, 1000), 'int32'), fc.constantFrom<DType>('float32', 'bool')),
      )
      .map(([x, to]) => ({ inputs: [x], params: { to } })),
  ),
  apply: ([x], p) => T.cast(x as Tensor, p.to as DType),
  reference: ([x], p) =>
    R.mapRef(x as Ref, (v) => (p.to === 'int32' ? R.toInt32Ref(v) : p.to === 'bool' ? (v !== 0 ? 1 : 0) : v)),
  exact: true,
};

/** Bounds are multiples of 0.25 and values sit midway between them: never at a kink. */
const clip: OpSpec = {
  name: 'clip',
  cases: shape().chain((s) =>
    fc
      .tuple(
        operand(s, quarters),
        fc.option(fc.integer({ min: -8, max: 8 })),
        fc.option(fc.integer({ min: -8, max: 8 })),
      )
      .map(([x, lo, hi]) => {
        const [a, b] = lo !== null && hi !== null && hi < lo ? [hi, lo] : [lo, hi];
        return { inputs: [x], params: { min: a === null ? undefined : a / 4, max: b === null ? undefined : b / 4 } };
      }),
  ),
  apply: ([x], p) => T.clip(x as Tensor, p.min as number | undefined, p.max as number | undefined),
  reference: ([x], p) =>
    R.mapRef(x as Ref, (v) => Math.min(Math.max(v, (p.min as number) ?? -Infinity), (p.max as number) ?? Infinity)),
  gradInputs: [0],
};

/** int32 values including the extremes, where wrapping and overflow bugs live. */
const int32Values = withSpecials(ints(-1000, 1000), [2147483647, -2147483648, 65536, -1, 0]);

const INT_OPS: Record<string, [Binary, (x: number, y: number) => number]> = {
  add: [T.add, (x, y) => (x + y) | 0],
  sub: [T.sub, (x, y) => (x - y) | 0],
  mul: [T.mul, Math.imul],
  maximum: [T.maximum, Math.max],
  minimum: [T.minimum, Math.min],
};

const int32Arith: OpSpec = {
  name: 'int32 arithmetic',
  cases: broadcastable(2).chain((shapes) =>
    fc
      .tuple(operands(shapes, int32Values, 'int32'), fc.constantFrom(...Object.keys(INT_OPS)))
      .map(([inputs, op]) => ({ inputs, params: { op } })),
  ),
  apply: ([a, b], p) => (INT_OPS[p.op as string] as [Binary, unknown])[0](a as Tensor, b as Tensor),
  reference: (ins, p) => R.zipRef(ins, (INT_OPS[p.op as string] as [unknown, (x: number, y: number) => number])[1]),
  exact: true,
};

/** Non-zero int32 divisors in [-5, -1] and [1, 5]. */
const nonzeroInts: Values = (n) =>
  fc.tuple(ints(1, 5)(n), bools(n)).map(([m, neg]) => m.map((v, i) => (neg[i] ? -v : v)));
const int32Dividends = withSpecials(ints(-50, 50), [-2147483648, 2147483647]);

/** int32 operands of an op with an int32 divisor (never 0: that is an error, tested apart). */
function int32DivisionRow(name: string, fn: Binary, ref: (x: number, y: number) => number, exact: boolean): OpSpec {
  return {
    name,
    cases: plain(broadcastable(2).chain((shapes) => operands(shapes, [int32Dividends, nonzeroInts], 'int32'))),
    apply: ([a, b]) => fn(a as Tensor, b as Tensor),
    reference: (ins) => R.zipRef(ins, ref),
    exact,
  };
}

/**
 * Float floorDiv/remainder on same-shaped operands with a / b = q + f, q an integer in [-3, 3]
 * and f in [0.1, 0.9]: a tenth away from every jump, so float32 rounding cannot flip a floor and
 * central differences see the smooth pieces (remainder's gradient is (1, -floor(a / b))).
 */
function floorRow(name: string, fn: Binary, ref: (x: number, y: number) => number): OpSpec {
  const cases = shape().chain((s) =>
    fc.tuple(operand(s, magnitude(0.5, 2)), operand(s, ints(-3, 3)), operand(s, uniform(0.1, 0.9))).map(([b, q, f]) => {
      const a = { ...q, data: q.data.map((k, i) => (k + (f.data[i] as number)) * (b.data[i] as number)) };
      return { inputs: [a, b], params: {} };
    }),
  );
  return {
    name,
    cases,
    apply: ([a, b]) => fn(a as Tensor, b as Tensor),
    reference: (ins) => R.zipRef(ins, ref),
    gradInputs: [0, 1],
  };
}

const DIVISION: OpSpec[] = [
  // `/` on integers is true division in float32 (NumPy, PyTorch, JAX).
  int32DivisionRow('div(int32)', T.div, (x, y) => x / y, false),
  int32DivisionRow('floorDiv(int32)', T.floorDiv, (x, y) => Math.floor(x / y) | 0, true),
  int32DivisionRow('remainder(int32)', T.remainder, (x, y) => x - y * Math.floor(x / y), true),
  floorRow('floorDiv', T.floorDiv, (x, y) => Math.floor(x / y)),
  floorRow('remainder', T.remainder, (x, y) => x - y * Math.floor(x / y)),
];

export const ELEMENTWISE_SPECS: OpSpec[] = [
  ...UNARY,
  ...BINARY,
  ...COMPARE,
  where,
  cast,
  clip,
  int32Arith,
  ...DIVISION,
];
