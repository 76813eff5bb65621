/**
 * THE primitive table: the closed set of ops a backend must implement and autograd must
 * differentiate. Everything else in `ops/` is a composite of these.
 *
 * Each row gives the op's kind and a rule that validates its operands and infers the output's
 * shape and dtype. Backends implement every non-view primitive (`KernelPrim`); the derivative
 * table in @webgrad/autograd has one rule per primitive. Both are typed `satisfies Record<...>`,
 * so adding a row here does not compile until the kernels and the rule exist.
 *
 * Conventions the kernels rely on (dispatch guarantees them):
 * - elementwise and matmul operands arrive already broadcast (stride-0 views) to the output's
 *   shape (matmul: to the output's batch dims);
 * - reductions write the output in keepdims layout; dispatch drops the reduced dims afterwards;
 * - every output is a fresh, contiguous, row-major buffer.
 */
import { type DType, isFloat } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { broadcastShapes, reducedShape, type Shape, sizeOf } from './shape.js';

/** The attributes of each primitive (its row's second argument to `dispatch`), by name: the keys of this interface are the primitives. */
export interface PrimAttrs {
  // unary elementwise
  neg: Record<string, never>;
  exp: Record<string, never>;
  log: Record<string, never>;
  sqrt: Record<string, never>;
  sin: Record<string, never>;
  cos: Record<string, never>;
  tanh: Record<string, never>;
  erf: Record<string, never>;
  /** Largest integer <= x (float only); its derivative is 0. ceil/round/trunc are composites. */
  floor: Record<string, never>;
  cast: { dtype: DType };
  // binary elementwise (operands share one dtype)
  add: Record<string, never>;
  sub: Record<string, never>;
  mul: Record<string, never>;
  /** True division, floats only (ops.div casts integer operands to float32 first, as NumPy/JAX). */
  div: Record<string, never>;
  /**
   * int32: exact, wrapping (repeated squaring). A negative exponent raises on the CPU (NumPy's
   * "Integers to negative integer powers are not allowed"); WebGPU gives 1, (-1)^y, else 0.
   */
  pow: Record<string, never>;
  /** elementwise maximum; NaN wins. */
  max: Record<string, never>;
  cmplt: Record<string, never>;
  cmpeq: Record<string, never>;
  /**
   * Python's a // b: the quotient rounded toward -infinity (floats: from fmod, as NumPy and
   * Python). int32 x // 0 raises on the CPU; WebGPU gives 0 there (NumPy's value).
   */
  floorDiv: Record<string, never>;
  /**
   * Python's a % b = a - b * (a // b): the sign follows the divisor. int32 x % 0 raises on the
   * CPU; WebGPU gives 0 there. Floats: x % 0 is NaN.
   */
  remainder: Record<string, never>;
  // ternary
  where: Record<string, never>;
  // reductions over sorted, distinct axes
  sum: { axes: number[]; keepdims: boolean };
  maxReduce: { axes: number[]; keepdims: boolean };
  prod: { axes: number[]; keepdims: boolean };
  // views (no kernel: dispatch rewrites shape/strides/offset)
  reshape: { shape: number[] };
  permute: { perm: number[] };
  expand: { shape: number[] };
  /**
   * Per-axis start, stop (exclusive) and non-zero step, already normalised and clamped (Python's
   * slice.indices): step > 0 needs 0 <= start <= stop <= d; step < 0 needs -1 <= stop <= start < d
   * and walks backwards (a view with a negative stride).
   */
  slice: { starts: number[]; stops: number[]; steps: number[] };
  // data movement (kernels)
  /** lax.pad: `low`/`high` edge padding and `interior` padding between elements, filled with `value`. */
  pad: { low: number[]; high: number[]; interior: number[]; value: number };
  concat: { axis: number };
  /**
   * out[..i..] = x[..index[..i..]..] along `axis` (take_along_axis; index has x's rank). An index
   * in [-n, 0) counts from the end (NumPy); outside [-n, n) is an 'index' error.
   */
  gather: { axis: number };
  /** out = x; out[..index[..i..]..] += src[..i..] along `axis` (index and src share a shape; indices as gather's). */
  scatterAdd: { axis: number };
  /** Batched matrix product [..., M, K] x [..., K, N] -> [..., M, N], batch dims broadcast. */
  matmul: Record<string, never>;
  /** A contiguous copy. */
  contiguous: Record<string, never>;
  /**
   * int32 positions that sort each lane along `axis`: stable; ascending puts NaN last (NumPy),
   * descending puts NaN first (NaN is the largest value, as in PyTorch); -0 equals +0.
   */
  argsort: { axis: number; descending: boolean };
}

/** The name of a primitive: a row of `PRIMS`. */
export type Prim = keyof PrimAttrs;

/** How `dispatch` treats a primitive: elementwise, reduction, view (no kernel), movement or matmul. */
export type PrimKind = 'unary' | 'binary' | 'ternary' | 'reduce' | 'view' | 'movement' | 'matmul';

/** What a shape rule sees of an operand. */
export interface Meta {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** A shape rule's answer: the output's shape and dtype. */
export interface OutMeta {
  shape: number[];
  dtype: DType;
}

export interface PrimSpec<P extends Prim> {
  kind: PrimKind;
  /** Number of tensor operands; -1 = variadic (concat). */
  arity: number;
  infer(inputs: readonly Meta[], attrs: PrimAttrs[P]): OutMeta;
}

export type ViewPrim = 'reshape' | 'permute' | 'expand' | 'slice';
/** The primitives that run a backend kernel (every one except the views). */
export type KernelPrim = Exclude<Prim, ViewPrim>;

// ---- dtype and shape rules shared by several rows ------------------------------------------

function floatUnary(op: string) {
  return ([x]: readonly Meta[]): OutMeta => {
    const m = x as Meta;
    if (!isFloat(m.dtype)) fail('dtype', op, `expects a float tensor, got ${m.dtype}`);
    return { shape: [...m.shape], dtype: m.dtype };
  };
}

function sameDType(op: string, inputs: readonly Meta[], allowBool: boolean): DType {
  const d = (inputs[0] as Meta).dtype;
  for (const m of inputs) {
    if (m.dtype !== d)
      fail('dtype', op, `operands must share a dtype, got ${inputs.map((i) => i.dtype).join(' and ')}`);
  }
  if (!allowBool && d === 'bool') fail('dtype', op, 'does not accept bool tensors; cast them first');
  return d;
}

function binary(op: string, result: 'same' | 'bool', allowBool = false) {
  return (inputs: readonly Meta[]): OutMeta => {
    const d = sameDType(op, inputs, allowBool);
    const shape = broadcastShapes(op, ...inputs.map((m) => m.shape));
    return { shape, dtype: result === 'bool' ? 'bool' : d };
  };
}

function reduce(op: string) {
  return ([x]: readonly Meta[], { axes, keepdims }: { axes: number[]; keepdims: boolean }): OutMeta => {
    const m = x as Meta;
    if (m.dtype === 'bool') fail('dtype', op, 'does not accept bool tensors; cast them first');
    for (const a of axes)
      if (a < 0 || a >= m.shape.length) fail('shape', op, `axis ${a} out of range for ${fmtShape(m.shape)}`);
    if (op !== 'sum' && op !== 'prod') {
      for (const a of axes)
        if (m.shape[a] === 0) fail('shape', op, `cannot reduce over the empty axis ${a} of ${fmtShape(m.shape)}`);
    }
    return { shape: reducedShape(m.shape, axes, keepdims), dtype: m.dtype };
  };
}

function first(inputs: readonly Meta[]): Meta {
  return inputs[0] as Meta;
}

// ---- the table -------------------------------------------------------------------------------

/** THE primitive table: each primitive's kind, arity and shape/dtype rule; the only ops a backend implements. */
export const PRIMS = {
  neg: {
    kind: 'unary',
    arity: 1,
    infer: ([x]) => {
      const m = x as Meta;
      if (m.dtype === 'bool') fail('dtype', 'neg', 'does not accept bool tensors');
      return { shape: [...m.shape], dtype: m.dtype };
    },
  },
  exp: { kind: 'unary', arity: 1, infer: floatUnary('exp') },
  log: { kind: 'unary', arity: 1, infer: floatUnary('log') },
  sqrt: { kind: 'unary', arity: 1, infer: floatUnary('sqrt') },
  sin: { kind: 'unary', arity: 1, infer: floatUnary('sin') },
  cos: { kind: 'unary', arity: 1, infer: floatUnary('cos') },
  tanh: { kind: 'unary', arity: 1, infer: floatUnary('tanh') },
  erf: { kind: 'unary', arity: 1, infer: floatUnary('erf') },
  floor: { kind: 'unary', arity: 1, infer: floatUnary('floor') },
  cast: { kind: 'unary', arity: 1, infer: (inputs, { dtype }) => ({ shape: [...first(inputs).shape], dtype }) },

  add: { kind: 'binary', arity: 2, infer: binary('add', 'same') },
  sub: { kind: 'binary', arity: 2, infer: binary('sub', 'same') },
  mul: { kind: 'binary', arity: 2, infer: binary('mul', 'same') },
  div: {
    kind: 'binary',
    arity: 2,
    infer: (inputs) => {
      const out = binary('div', 'same')(inputs);
      if (!isFloat(out.dtype))
        fail('dtype', 'div', `the primitive divides floats only, got ${out.dtype}; ops.div casts integers to float32`);
      return out;
    },
  },
  pow: { kind: 'binary', arity: 2, infer: binary('pow', 'same') },
  max: { kind: 'binary', arity: 2, infer: binary('max', 'same') },
  cmplt: { kind: 'binary', arity: 2, infer: binary('cmplt', 'bool') },
  cmpeq: { kind: 'binary', arity: 2, infer: binary('cmpeq', 'bool', true) },
  floorDiv: { kind: 'binary', arity: 2, infer: binary('floorDiv', 'same') },
  remainder: { kind: 'binary', arity: 2, infer: binary('remainder', 'same') },

  where: {
    kind: 'ternary',
    arity: 3,
    infer: ([cond, a, b]) => {
      const c = cond as Meta;
      if (c.dtype !== 'bool') fail('dtype', 'where', `condition must be bool, got ${c.dtype}`);
      const d = sameDType('where', [a as Meta, b as Meta], true);
      return { shape: broadcastShapes('where', c.shape, (a as Meta).shape, (b as Meta).shape), dtype: d };
    },
  },

  sum: { kind: 'reduce', arity: 1, infer: reduce('sum') },
  maxReduce: { kind: 'reduce', arity: 1, infer: reduce('max') },
  prod: { kind: 'reduce', arity: 1, infer: reduce('prod') },

  reshape: {
    kind: 'view',
    arity: 1,
    infer: (inputs, { shape }) => {
      const m = first(inputs);
      if (sizeOf(shape) !== sizeOf(m.shape))
        fail('shape', 'reshape', `cannot reshape ${fmtShape(m.shape)} into ${fmtShape(shape)}`);
      return { shape: [...shape], dtype: m.dtype };
    },
  },
  permute: {
    kind: 'view',
    arity: 1,
    infer: (inputs, { perm }) => {
      const m = first(inputs);
      const ok = perm.length === m.shape.length && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
      if (!ok)
        fail('shape', 'permute', `[${perm.join(', ')}] is not a permutation of the axes of ${fmtShape(m.shape)}`);
      return { shape: perm.map((p) => m.shape[p] as number), dtype: m.dtype };
    },
  },
  expand: {
    kind: 'view',
    arity: 1,
    infer: (inputs, { shape }) => {
      const m = first(inputs);
      const ok =
        shape.length >= m.shape.length &&
        m.shape.every((d, i) => d === 1 || d === shape[shape.length - m.shape.length + i]);
      if (!ok) fail('shape', 'expand', `cannot expand ${fmtShape(m.shape)} to ${fmtShape(shape)}`);
      return { shape: [...shape], dtype: m.dtype };
    },
  },
  slice: {
    kind: 'view',
    arity: 1,
    infer: (inputs, { starts, stops, steps }) => {
      const m = first(inputs);
      const shape = m.shape.map((d, i) => {
        const [a, b, s] = [starts[i] as number, stops[i] as number, steps[i] as number];
        const forward = s >= 1 && a >= 0 && a <= b && b <= d;
        const backward = s <= -1 && a < d && b >= -1 && b <= a && a >= 0;
        if (!Number.isInteger(s) || !(forward || backward)) {
          fail('shape', 'slice', `invalid range ${a}:${b}:${s} on axis ${i} of ${fmtShape(m.shape)}`);
        }
        return Math.ceil((b - a) / s);
      });
      return { shape, dtype: m.dtype };
    },
  },

  pad: {
    kind: 'movement',
    arity: 1,
    infer: (inputs, { low, high, interior }) => {
      const m = first(inputs);
      const shape = m.shape.map((d, i) => {
        const [l, h, n] = [low[i] ?? 0, high[i] ?? 0, interior[i] ?? 0];
        if (l < 0 || h < 0 || n < 0) fail('shape', 'pad', `negative padding on axis ${i}`);
        return l + h + d + Math.max(0, d - 1) * n;
      });
      return { shape, dtype: m.dtype };
    },
  },
  concat: {
    kind: 'movement',
    arity: -1,
    infer: (inputs, { axis }) => {
      if (inputs.length === 0) fail('shape', 'concat', 'needs at least one tensor');
      const m = first(inputs);
      const d = sameDType('concat', inputs, true);
      let total = 0;
      for (const t of inputs) {
        const ok = t.shape.length === m.shape.length && t.shape.every((s, i) => i === axis || s === m.shape[i]);
        if (!ok)
          fail('shape', 'concat', `shapes ${inputs.map((i) => fmtShape(i.shape)).join(', ')} differ off axis ${axis}`);
        total += t.shape[axis] as number;
      }
      const shape = [...m.shape];
      shape[axis] = total;
      return { shape, dtype: d };
    },
  },
  gather: {
    kind: 'movement',
    arity: 2,
    infer: ([x, index], { axis }) => {
      const [m, ix] = [x as Meta, index as Meta];
      if (ix.dtype !== 'int32') fail('dtype', 'gather', `index must be int32, got ${ix.dtype}`);
      const ok = ix.shape.length === m.shape.length && ix.shape.every((s, i) => i === axis || s === m.shape[i]);
      if (!ok)
        fail('shape', 'gather', `index ${fmtShape(ix.shape)} must match ${fmtShape(m.shape)} except on axis ${axis}`);
      return { shape: [...ix.shape], dtype: m.dtype };
    },
  },
  scatterAdd: {
    kind: 'movement',
    arity: 3,
    infer: ([x, index, src], { axis }) => {
      const [m, ix, s] = [x as Meta, index as Meta, src as Meta];
      if (ix.dtype !== 'int32') fail('dtype', 'scatterAdd', `index must be int32, got ${ix.dtype}`);
      if (s.dtype !== m.dtype) fail('dtype', 'scatterAdd', `src dtype ${s.dtype} differs from ${m.dtype}`);
      if (m.dtype === 'bool') fail('dtype', 'scatterAdd', 'does not accept bool tensors');
      const ok =
        ix.shape.length === m.shape.length &&
        ix.shape.every((d, i) => d === s.shape[i] && (i === axis || d === m.shape[i])) &&
        s.shape.length === ix.shape.length;
      if (!ok) {
        fail(
          'shape',
          'scatterAdd',
          `index ${fmtShape(ix.shape)} and src ${fmtShape(s.shape)} must agree, and match ${fmtShape(m.shape)} off axis ${axis}`,
        );
      }
      return { shape: [...m.shape], dtype: m.dtype };
    },
  },
  matmul: {
    kind: 'matmul',
    arity: 2,
    infer: ([a, b]) => {
      const [x, y] = [a as Meta, b as Meta];
      const d = sameDType('matmul', [x, y], false);
      if (!isFloat(d)) fail('dtype', 'matmul', `expects float tensors, got ${d}`);
      if (x.shape.length < 2 || y.shape.length < 2) fail('shape', 'matmul', 'primitive operands must be at least 2-d');
      const [m, k] = x.shape.slice(-2) as [number, number];
      const [k2, n] = y.shape.slice(-2) as [number, number];
      if (k !== k2) fail('shape', 'matmul', `inner dimensions differ: ${fmtShape(x.shape)} @ ${fmtShape(y.shape)}`);
      const batch = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
      return { shape: [...batch, m, n], dtype: d };
    },
  },
  contiguous: {
    kind: 'movement',
    arity: 1,
    infer: (inputs) => ({ shape: [...first(inputs).shape], dtype: first(inputs).dtype }),
  },
  argsort: {
    kind: 'movement',
    arity: 1,
    infer: (inputs, { axis }) => {
      const m = first(inputs);
      if (!(axis >= 0 && axis < m.shape.length))
        fail('shape', 'argsort', `axis ${axis} out of range for ${fmtShape(m.shape)}`);
      return { shape: [...m.shape], dtype: 'int32' };
    },
  },
} satisfies { [P in Prim]: PrimSpec<P> };
