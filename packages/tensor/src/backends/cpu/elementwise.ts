/**
 * Elementwise kernels (unary, binary, where, cast, strided copy), generated from one expression
 * per op. Each (op, dtype) gets its own compiled loop, so V8 sees one monomorphic expression
 * instead of a megamorphic callback per element; the loop itself is shared text below.
 */
import type { View } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { isContiguous, sizeOf } from '../../shape.js';
import * as DIVISION from './division.js';
import { erf } from './erf.js';
import { flatStride, forEachRow, peelRows, walkViews } from './strided.js';

type Arity = 1 | 2 | 3;

/** Value expressions over operands x, y, z (already read from memory). */
const FLOAT_EXPR: Record<string, string> = {
  neg: '-x',
  exp: 'Math.exp(x)',
  log: 'Math.log(x)',
  sqrt: 'Math.sqrt(x)',
  sin: 'Math.sin(x)',
  cos: 'Math.cos(x)',
  tanh: 'Math.tanh(x)',
  erf: 'erf(x)',
  floor: 'Math.floor(x)',
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  pow: 'Math.pow(x, y)',
  max: '(x > y || x !== x) ? x : y', // NaN propagates
  cmplt: 'x < y ? 1 : 0',
  cmpeq: 'x === y ? 1 : 0',
  floorDiv: 'D.floorDivF(x, y)',
  remainder: 'D.remainderF(x, y)',
  where: 'x ? y : z',
  copy: 'x',
};

/**
 * int32 semantics: wrap on overflow (Int32Array stores wrap); pow exact by squaring; floorDiv and
 * remainder by 0 and pow to a negative exponent raise (division.ts). There is no int32 div: the
 * primitive is float-only.
 */
const INT_EXPR: Record<string, string> = {
  ...FLOAT_EXPR,
  neg: '-x | 0',
  mul: 'Math.imul(x, y)',
  pow: 'D.powI(x, y)',
  floorDiv: 'D.floorDivI(x, y)',
  remainder: 'D.remainderI(x, y)',
};

/** Conversions: float -> int32 truncates toward zero and saturates (NaN -> 0), as WGSL does. */
function castExpr(from: DType, to: DType): string {
  if (to === 'bool') return 'x !== 0 ? 1 : 0';
  if (to === 'int32' && (from === 'float32' || from === 'float64')) {
    return 'x !== x ? 0 : x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : Math.trunc(x)';
  }
  return 'x';
}

/**
 * (rows, n, o, oi, ors, os, then per operand: array, offset, row stride, element stride):
 * `rows` rows of `n` elements each, so short rows cost one call per plane, not one per row.
 */
type Kernel = (
  rows: number,
  n: number,
  o: TypedArray,
  oi: number,
  ors: number,
  os: number,
  ...rest: (TypedArray | number)[]
) => void;

// Two-level cache (op, then dtype): keys are constant strings, so a lookup builds no new string.
const kernels = new Map<string, Map<DType, Kernel>>();

function compile(expr: string, arity: Arity): Kernel {
  const names = ['x', 'y', 'z'].slice(0, arity);
  const params = names.flatMap((v) => [`${v}a`, `${v}i`, `${v}rs`, `${v}s`]);
  const starts = names.map((v) => `, ${v}k = ${v}i`).join('');
  const reads = names.map((v) => `const ${v} = ${v}a[${v}k];`).join(' ');
  const steps = names.map((v) => `${v}k += ${v}s;`).join(' ');
  const rowSteps = names.map((v) => `, ${v}i += ${v}rs`).join('');
  const body = `return function kernel(rows, n, o, oi, ors, os, ${params.join(', ')}) {
    for (let r = 0; r < rows; r++, oi += ors${rowSteps}) {
      for (let k = 0, ok = oi${starts}; k < n; k++) { ${reads} o[ok] = ${expr}; ok += os; ${steps} }
    }
  };`;
  return new Function('erf', 'D', body)(erf, DIVISION) as Kernel;
}

function kernelFor(op: string, dtype: DType, expr: () => string, arity: Arity): Kernel {
  let byDType = kernels.get(op);
  if (!byDType) {
    byDType = new Map();
    kernels.set(op, byDType);
  }
  let k = byDType.get(dtype);
  if (!k) {
    k = compile(expr(), arity);
    byDType.set(dtype, k);
  }
  return k;
}

/**
 * The common case in one call: `out` contiguous and every operand either laid out like it
 * (unit stride) or one broadcast value (stride 0). Returns false when the general walk is needed.
 */
function runFlat(kernel: Kernel, inputs: readonly View[], out: View): boolean {
  const { shape, strides } = out;
  if (!isContiguous(shape, strides)) return false;
  const x = inputs[0] as View;
  const xs = flatStride(x, shape, strides);
  if (xs < 0) return false;
  const n = sizeOf(shape);
  const o = out.handle as TypedArray;
  if (inputs.length === 1) {
    kernel(1, n, o, out.offset, 0, 1, x.handle as TypedArray, x.offset, 0, xs);
    return true;
  }
  const y = inputs[1] as View;
  const ys = flatStride(y, shape, strides);
  if (ys < 0) return false;
  if (inputs.length === 2) {
    kernel(1, n, o, out.offset, 0, 1, x.handle as TypedArray, x.offset, 0, xs, y.handle as TypedArray, y.offset, 0, ys);
    return true;
  }
  const z = inputs[2] as View;
  const zs = flatStride(z, shape, strides);
  if (zs < 0) return false;
  kernel(
    1,
    n,
    o,
    out.offset,
    0,
    1,
    x.handle as TypedArray,
    x.offset,
    0,
    xs,
    y.handle as TypedArray,
    y.offset,
    0,
    ys,
    z.handle as TypedArray,
    z.offset,
    0,
    zs,
  );
  return true;
}

function runExpr(kernel: Kernel, inputs: readonly View[], out: View): void {
  if (runFlat(kernel, inputs, out)) return;
  const walk = walkViews(out, inputs);
  const { outer, rows, rowStrides } = peelRows(walk);
  const o = out.handle as TypedArray;
  const [x, y, z] = inputs.map((v) => v.handle as TypedArray) as [TypedArray, TypedArray?, TypedArray?];
  const [os, xs, ys, zs] = walk.innerStrides as [number, number, number?, number?];
  const [ors, xrs, yrs, zrs] = rowStrides as [number, number, number?, number?];
  const n = walk.inner;
  // One call per plane with explicit arguments (no spread: V8 optimises fixed-arity calls better).
  const bases = [out.offset, ...inputs.map((v) => v.offset)];
  if (inputs.length === 1)
    forEachRow(outer, bases, (f) => kernel(rows, n, o, f[0] as number, ors, os, x, f[1] as number, xrs, xs));
  else if (inputs.length === 2)
    forEachRow(outer, bases, (f) =>
      kernel(
        rows,
        n,
        o,
        f[0] as number,
        ors,
        os,
        x,
        f[1] as number,
        xrs,
        xs,
        y as TypedArray,
        f[2] as number,
        yrs as number,
        ys as number,
      ),
    );
  else
    forEachRow(outer, bases, (f) =>
      kernel(
        rows,
        n,
        o,
        f[0] as number,
        ors,
        os,
        x,
        f[1] as number,
        xrs,
        xs,
        y as TypedArray,
        f[2] as number,
        yrs as number,
        ys as number,
        z as TypedArray,
        f[3] as number,
        zrs as number,
        zs as number,
      ),
    );
}

/** out = op(inputs...) elementwise; operands are already broadcast to out's shape. */
export function elementwise(op: string, inputs: readonly View[], out: View): void {
  const dtype = (inputs[op === 'where' ? 1 : 0] as View).dtype;
  const table = dtype === 'int32' || dtype === 'bool' ? INT_EXPR : FLOAT_EXPR;
  const expr = table[op];
  if (expr === undefined) throw new Error(`no CPU expression for ${op}`);
  // Each op has one arity, so (op, dtype) names the loop.
  runExpr(
    kernelFor(op, dtype, () => expr, inputs.length as Arity),
    inputs,
    out,
  );
}

/** One cache row per source dtype, named without building a string per call. */
const CAST_OPS: Record<DType, string> = {
  float32: 'cast:float32',
  float64: 'cast:float64',
  int32: 'cast:int32',
  bool: 'cast:bool',
};

export function cast(input: View, out: View): void {
  const kernel = kernelFor(CAST_OPS[input.dtype], out.dtype, () => castExpr(input.dtype, out.dtype), 1);
  runExpr(kernel, [input], out);
}

/** Rows at least this long are copied with TypedArray.set (a memcpy) rather than a loop. */
const SET_MIN_ROW = 64;

/** Strided copy of `input` into the (possibly strided) window `out`. */
export function copy(input: View, out: View): void {
  const walk = walkViews(out, [input]);
  const [O, I] = [out.handle as TypedArray, input.handle as TypedArray];
  if (
    walk.innerStrides[0] === 1 &&
    walk.innerStrides[1] === 1 &&
    walk.inner >= SET_MIN_ROW &&
    O.constructor === I.constructor
  ) {
    // Contiguous rows on both sides (concat's blocks, pad's interior rows, most copies): memcpy.
    const n = walk.inner;
    forEachRow(walk, [out.offset, input.offset], ([o, i]) => {
      O.set(I.subarray(i as number, (i as number) + n), o as number);
    });
    return;
  }
  // One loop serves every dtype (the expression does not depend on it): cached under one key.
  runExpr(
    kernelFor('copy', 'float64', () => 'x', 1),
    [input],
    out,
  );
}
