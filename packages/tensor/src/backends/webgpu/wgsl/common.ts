/**
 * Shared pieces of the WGSL generators: the program description every generator returns, the
 * per-dispatch metadata block, storage types per dtype, and strided index arithmetic.
 *
 * Shapes, strides and offsets travel in a 256-byte uniform block per dispatch rather than in
 * the shader text, so the text (and the compiled pipeline) depends only on the op, the dtypes
 * and the rank after collapsing dims: one pipeline serves every shape of that rank.
 */
import type { View } from '../../../backend.js';
import type { DType } from '../../../dtype.js';
import { fail } from '../../../errors.js';
import { planWalk } from '../../cpu/strided.js';

/** u32 slots in one dispatch's uniform block (256 bytes, the uniform offset alignment). */
export const META_SLOTS = 64;
/** Invocations per workgroup of the 1-d kernels. */
export const WORKGROUP = 256;

/** One dispatch: WGSL text (also the pipeline cache key), operands, uniforms and grid. */
export interface Program<H = unknown> {
  /** The op, for error messages. */
  op: string;
  code: string;
  /** Bound read-only at bindings 2, 3, ... in order. */
  inputs: readonly H[];
  /** Bound read-write at binding 1. */
  output: H;
  /** The index-check flag buffer, bound read-write after the inputs (see index-checks.ts). */
  flags?: H;
  meta: Uint32Array;
  workgroups: [number, number, number];
}

/** WGSL storage type of a dtype: bool is stored as u32 (0 or 1). */
export function wgslType(dtype: DType, op: string): 'f32' | 'i32' | 'u32' {
  if (dtype === 'float32') return 'f32';
  if (dtype === 'int32') return 'i32';
  if (dtype === 'bool') return 'u32';
  return fail('device', op, 'webgpu has no float64 (WGSL lacks f64); cast to float32 first');
}

/**
 * Builds a dispatch's uniform block and the WGSL expressions that read it. Generators call
 * `u`/`i`/`f` in a fixed order, so the slots (and hence the text) depend only on the structure.
 */
export class MetaBuilder {
  private readonly values: number[] = [];
  private readonly kinds: ('u' | 'i' | 'f')[] = [];

  /** `capacity`: u32 slots, a multiple of 64 (fused kernels use more than the standard block). */
  constructor(readonly capacity = META_SLOTS) {}

  /** Slots used so far. */
  get used(): number {
    return this.values.length;
  }

  /** A u32 slot holding `value`; returns its WGSL expression. */
  u(value: number, op = 'webgpu'): string {
    return this.slot(value, 'u', op);
  }
  /** An i32 slot. */
  i(value: number, op = 'webgpu'): string {
    return this.slot(value, 'i', op);
  }
  /** An f32 slot (stored as bits). */
  f(value: number, op = 'webgpu'): string {
    return this.slot(value, 'f', op);
  }

  private slot(value: number, kind: 'u' | 'i' | 'f', op: string): string {
    const k = this.values.length;
    if (k >= this.capacity) fail('shape', op, `too many dims for one WebGPU dispatch (${k} metadata slots)`);
    this.values.push(value);
    this.kinds.push(kind);
    const raw = `mt.v[${k >> 2}][${k & 3}]`;
    return kind === 'u' ? raw : kind === 'i' ? `bitcast<i32>(${raw})` : `bitcast<f32>(${raw})`;
  }

  /** The block's contents. */
  build(): Uint32Array {
    const out = new Uint32Array(this.capacity);
    const view = new DataView(out.buffer);
    this.values.forEach((v, k) => {
      const kind = this.kinds[k];
      if (kind === 'f') view.setFloat32(4 * k, v, true);
      else if (kind === 'i') view.setInt32(4 * k, v, true);
      else view.setUint32(4 * k, v, true);
    });
    return out;
  }
}

/** The uniform declaration for a block of `slots` u32s. */
export function metaDecl(slots: number): string {
  return `struct Meta { v: array<vec4<u32>, ${slots / 4}> }
@group(0) @binding(0) var<uniform> mt: Meta;`;
}

/** The uniform declaration every kernel starts with (the standard 256-byte block). */
export const META_DECL = metaDecl(META_SLOTS);

/** WGSL helpers shared by kernels: NaN test by bits (compilers may fold `x != x`). */
// Non-finite constants come from a `var`: WGSL rejects NaN and infinities in constant expressions.
export const HELPERS = `fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn f32bits_(b: u32) -> f32 { var v = b; return bitcast<f32>(v); }`;

/** Dims of `shape` merged where every operand walks them contiguously (size-1 dims dropped). */
export function collapse(
  shape: readonly number[],
  stridesList: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const w = planWalk(shape, stridesList);
  return {
    shape: [...w.outerShape, w.inner],
    strides: w.outerStrides.map((s, k) => [...s, w.innerStrides[k] as number]),
  };
}

/** Workgroup grid for `count` invocations of WORKGROUP each, 2-d when x would pass 65535. */
export function grid(count: number, perGroup = WORKGROUP): { groups: [number, number, number]; rowSpan: number } {
  const total = Math.max(1, Math.ceil(count / perGroup));
  const x = Math.min(total, 65535);
  const y = Math.ceil(total / x);
  return { groups: [x, y, 1], rowSpan: x * perGroup };
}

/** The linear invocation index `i` and the early return past `count`. */
export function linearIndex(meta: MetaBuilder, count: number, rowSpan: number): string {
  return `let i = gid.x + gid.y * ${meta.u(rowSpan)};
  if (i >= ${meta.u(count)}) { return; }`;
}

/**
 * WGSL that decomposes `index` over `shape` (innermost fastest) and sets `off<k>` for each
 * operand's strides and base offset. Shapes and strides come from the uniform block.
 */
export function stridedOffsets(
  meta: MetaBuilder,
  index: string,
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  names: readonly string[],
): string {
  const lines: string[] = [];
  const r = shape.length;
  const acc = names.map((n, k) => [`var ${n} = ${meta.u(offsets[k] as number)};`]);
  if (r === 1 && strides.every((s) => s[0] === 1)) {
    // Contiguous in every operand: no division at all.
    names.forEach((n, k) => {
      (acc[k] as string[]).push(`${n} += ${index};`);
    });
    return [...acc.flat()].join('\n  ');
  }
  lines.push(`var rem = ${index};`);
  for (let d = r - 1; d >= 0; d--) {
    const dim = meta.u(shape[d] as number);
    lines.push(d > 0 ? `let c${d} = rem % ${dim}; rem = rem / ${dim};` : `let c${d} = rem;`);
    names.forEach((n, k) => {
      (acc[k] as string[]).push(`${n} += c${d} * ${meta.u((strides[k] as number[])[d] as number)};`);
    });
  }
  return [...lines, ...acc.flat()].join('\n  ');
}

/** Strides and offset of a view as plain arrays. */
export function layoutOf(v: View): { strides: number[]; offset: number } {
  return { strides: [...v.strides], offset: v.offset };
}
