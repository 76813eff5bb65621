/**
 * Elementwise kernels: unary, binary, where, cast and strided copy, one invocation per output
 * element, operands read through arbitrary strides and offsets (dims collapsed first).
 *
 * Each op is a WGSL *expression* over the already-loaded operands x, y, z, so a later fusion
 * pass can compose a chain of them into one kernel by substituting expressions.
 *
 * Semantics match the CPU backend: int32 pow, floorDiv and remainder wrap exactly like int32
 * arithmetic; max propagates NaN; float -> int32 casts saturate and send NaN to 0; erf uses
 * Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7, float32 accuracy). Where the CPU raises (int32
 * x // 0 and x % 0, an int32 base to a negative power) a kernel cannot, and gives 0 for the
 * divisions and 1, (-1)^y or 0 for pow.
 */
import type { View } from '../../../backend.js';
import type { DType } from '../../../dtype.js';
import {
  collapse,
  grid,
  HELPERS,
  linearIndex,
  META_DECL,
  MetaBuilder,
  type Program,
  stridedOffsets,
  WORKGROUP,
  wgslType,
} from './common.js';

/** Float expressions over x, y, z (f32). */
const FLOAT_EXPR: Record<string, string> = {
  neg: '-x',
  exp: 'exp(x)',
  log: 'log(x)',
  sqrt: 'sqrt(x)',
  // Our own reduction and polynomial: WGSL's sin/cos need only be within 2^-11 inside [-pi, pi]
  // and SwiftShader (Chromium's software WebGPU) is about 2e-4 off at |x| ~ 100.
  sin: 'sin_(x)',
  cos: 'cos_(x)',
  // Clamped: some drivers evaluate tanh through exp and overflow to NaN; tanh(15) is 1 in f32.
  tanh: 'select(tanh(clamp(x, -15.0, 15.0)), x, isnan_(x))',
  erf: 'erf_(x)',
  floor: 'floor(x)',
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  pow: 'powf_(x, y)',
  max: 'select(select(y, x, x > y), x, isnan_(x))',
  cmplt: 'u32(x < y)',
  cmpeq: 'u32(x == y)',
  floorDiv: 'floordivf_(x, y)',
  remainder: 'remf_(x, y)',
  where: 'select(z, y, x != 0u)',
  copy: 'x',
};

/**
 * int32 (and bool, for the ops that accept it): wrapping arithmetic. No int32 div (the primitive
 * is float-only). Where the CPU raises, a kernel cannot: x // 0 and x % 0 give 0 (NumPy's
 * values) and a negative exponent gives 1, (-1)^y or 0 (PyTorch's integer pow).
 */
const INT_EXPR: Record<string, string> = {
  ...FLOAT_EXPR,
  pow: 'powi_(x, y)',
  max: 'max(x, y)',
  floorDiv: 'floordivi_(x, y)',
  remainder: 'remi_(x, y)',
};

/** Helper functions an expression calls, by the names that mark them. */
export function helpersFor(text: string): string {
  return [
    /erf_|powf_|sin_|cos_|floordivf_|remf_/.test(text) ? FLOAT_FNS : '',
    /powi_|floordivi_|remi_/.test(text) ? INT_FNS : '',
  ].join('\n');
}

/** WGSL functions the float expressions call (erf_, powf_, sin_, cos_). */
export const FLOAT_FNS = `
// sin and cos to about 1e-7 absolute for |x| < 5e4: Cody-Waite reduction by pi/2 in three parts
// (k * 1.5703125 is exact while k < 2^15), then Cephes' sinf/cosf minimax polynomials on
// [-pi/4, pi/4]; the quadrant k mod 4 picks the polynomial and the sign. NaN and inf give NaN.
fn sincos_(x: f32, wantCos: bool) -> f32 {
  let k = round(x * 0.63661977236758134);
  var r = x - k * 1.5703125;
  r = r - k * 4.837512969970703125e-4;
  r = r - k * 7.54978995489188216e-8;
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  let q = (i32(k) + select(0, 1, wantCos)) & 3;
  let v = select(s, c, (q & 1) == 1);
  return select(v, -v, q >= 2);
}
fn sin_(x: f32) -> f32 { return sincos_(x, false); }
fn cos_(x: f32) -> f32 { return sincos_(x, true); }
fn erf_(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - p * exp(-a * a);
  return select(select(r, -r, x < 0.0), x, isnan_(x));
}
fn powf_(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (isnan_(x) || isnan_(y)) { return f32bits_(0x7fc00000u); }
  let ax = abs(x);
  var r: f32;
  if (ax == 0.0) { r = select(f32bits_(0x7f800000u), 0.0, y > 0.0); } else { r = exp2(y * log2(ax)); }
  if (x < 0.0 || (x == 0.0 && bitcast<u32>(x) != 0u)) {
    let ay = abs(y);
    if (ay < 16777216.0) {
      if (y != floor(y)) { if (x < 0.0) { return f32bits_(0x7fc00000u); } return r; }
      if (fract(y * 0.5) != 0.0) { r = -r; }
    }
  }
  return r;
}
// Python's float // and % from fmod (CPython's float_divmod), with WGSL's % (x - y trunc(x / y)).
fn floordivf_(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return x / y; }
  let m = x % y;
  var d = (x - m) / y;
  if (m != 0.0 && ((y < 0.0) != (m < 0.0))) { d = d - 1.0; }
  if (d == 0.0) { return select(0.0, f32bits_(0x80000000u), x / y < 0.0); }
  let f = floor(d);
  return select(f, f + 1.0, d - f > 0.5);
}
fn remf_(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return f32bits_(0x7fc00000u); }
  let m = x % y;
  if (m == 0.0) { return select(0.0, f32bits_(0x80000000u), y < 0.0); }
  return select(m, m + y, (y < 0.0) != (m < 0.0));
}`;

/** WGSL functions the int32 expressions call (powi_, floordivi_, remi_). */
export const INT_FNS = `
fn powi_(x: i32, y: i32) -> i32 {
  if (y < 0) {
    if (x == 1) { return 1; }
    if (x == -1) { return select(1, -1, (y & 1) != 0); }
    return 0;
  }
  var r = 1;
  var b = x;
  var e = u32(y);
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) != 0u) { r = r * b; }
    b = b * b;
    e = e >> 1u;
  }
  return r;
}
fn floordivi_(x: i32, y: i32) -> i32 {
  if (y == 0) { return 0; }
  let q = x / y; // truncated; WGSL gives MIN for MIN / -1, as the CPU's wrap
  let r = x - q * y;
  return select(q, q - 1, r != 0 && ((r < 0) != (y < 0)));
}
fn remi_(x: i32, y: i32) -> i32 {
  if (y == 0) { return 0; }
  let r = x % y; // WGSL gives 0 for MIN % -1
  return select(r, r + y, r != 0 && ((r < 0) != (y < 0)));
}`;

/** Conversion expression from `from` to `to` storage types. */
export function castExpr(from: DType, to: DType): string {
  if (from === 'float32' && to === 'bool') return 'u32(x != 0.0 || isnan_(x))'; // NaN is true; do not trust x != 0.0
  if (to === 'bool') return from === 'bool' ? 'x' : 'u32(x != 0)';
  if (to === 'int32') {
    if (from === 'float32')
      return 'select(select(select(i32(x), -2147483647 - 1, x <= -2147483648.0), 2147483647, x >= 2147483648.0), 0, isnan_(x))';
    return 'i32(x)';
  }
  if (to === 'float32') return 'f32(x)';
  return 'x';
}

/** The expression for `op` on operands of `dtype`. */
export function exprFor(op: string, dtype: DType): string {
  const table = dtype === 'float32' ? FLOAT_EXPR : INT_EXPR;
  const e = table[op];
  if (e === undefined) throw new Error(`no WGSL expression for ${op} on ${dtype}`);
  return e;
}

/**
 * One elementwise dispatch computing `expr` over `inputs` into the (possibly strided) `out`.
 * @example elementwiseProgram('add', exprFor('add', 'float32'), [a, b], out)
 */
export function elementwiseProgram<H>(op: string, expr: string, inputs: readonly View<H>[], out: View<H>): Program<H> {
  const { shape, strides } = collapse(out.shape, [out.strides, ...inputs.map((v) => v.strides)]);
  const names = ['x', 'y', 'z'].slice(0, inputs.length);
  const count = out.shape.reduce((a, b) => a * b, 1);
  const meta = new MetaBuilder();
  const { groups, rowSpan } = grid(count);
  const index = linearIndex(meta, count, rowSpan);
  const offs = stridedOffsets(
    meta,
    'i',
    shape,
    strides,
    [out.offset, ...inputs.map((v) => v.offset)],
    ['o', ...names.map((n) => `${n}o`)],
  );
  const decls = inputs.map((v, k) => {
    const t = wgslType(v.dtype, op);
    return `@group(0) @binding(${k + 2}) var<storage, read> ${names[k]}b: array<${t}>;`;
  });
  const loads = names.map((n) => `let ${n} = ${n}b[${n}o];`).join('\n  ');
  const code = `${META_DECL}
@group(0) @binding(1) var<storage, read_write> ob: array<${wgslType(out.dtype, op)}>;
${decls.join('\n')}
${HELPERS}
${helpersFor(expr)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${index}
  ${offs}
  ${loads}
  ob[o] = ${expr};
}`;
  return { op, code, inputs: inputs.map((v) => v.handle), output: out.handle, meta: meta.build(), workgroups: groups };
}

/** A cast from `input`'s dtype to `out`'s. */
export function castProgram<H>(input: View<H>, out: View<H>): Program<H> {
  return elementwiseProgram('cast', castExpr(input.dtype, out.dtype), [input], out);
}
