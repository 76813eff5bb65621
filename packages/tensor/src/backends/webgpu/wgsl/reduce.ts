/**
 * Reductions (sum, maxReduce, prod) over any set of axes: one invocation per output element
 * loops over the reduced sub-index with nested loops (kept and reduced dims collapsed
 * separately). No workgroup tree: barriers are slow on software rasterisers (on lavapipe a
 * tiled matmul with barriers ran at a tenth of the speed of one without; see wgsl/matmul.ts).
 *
 * Few outputs (under SPLIT_MAX_OUTPUTS) over a long reduced range that collapses to one stride
 * run in two passes instead (`reducePrograms`): pass 1 has P invocations per output (about 512
 * elements each), invocation p accumulating elements
 * p, p + P, p + 2P, ... in that order into partial p; pass 2 combines partials 0..P-1 in order.
 *
 * max propagates NaN like the CPU. Sums accumulate in float32 (the CPU uses float64), so long
 * float32 sums differ from the CPU by a few float32 ulps times sqrt(length), less when split.
 */
import type { View } from '../../../backend.js';
import { contiguousStrides } from '../../../shape.js';
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

export type ReducePrim = 'sum' | 'maxReduce' | 'prod';

function identity(prim: ReducePrim, float: boolean): string {
  if (prim === 'sum') return float ? '0.0' : '0';
  if (prim === 'prod') return float ? '1.0' : '1';
  return float ? 'f32bits_(0xff800000u)' : '(-2147483647 - 1)';
}

function combine(prim: ReducePrim, float: boolean): string {
  if (prim === 'sum') return 'acc + v';
  if (prim === 'prod') return 'acc * v';
  // NaN in either wins, as on the CPU.
  return float ? 'select(select(acc, v, v > acc), v, isnan_(v))' : 'max(acc, v)';
}

/**
 * The reduction of `input` over `axes` into the keepdims-shaped contiguous `out`.
 * @example reduceProgram('sum', x, out, [1])
 */
export function reduceProgram<H>(prim: ReducePrim, input: View<H>, out: View<H>, axes: readonly number[]): Program<H> {
  const t = wgslType(input.dtype, prim);
  const float = t === 'f32';
  const keptShape = input.shape.filter((_, d) => !axes.includes(d));
  const keptStrides = input.strides.filter((_, d) => !axes.includes(d));
  const kept = collapse(keptShape, [contiguousStrides(keptShape), keptStrides]);
  const red = collapse(
    axes.map((a) => input.shape[a] as number),
    [axes.map((a) => input.strides[a] as number)],
  );
  const count = keptShape.reduce((a, b) => a * b, 1);
  const meta = new MetaBuilder();
  const { groups, rowSpan } = grid(count);
  const index = linearIndex(meta, count, rowSpan);
  const base = stridedOffsets(meta, 'i', kept.shape, [kept.strides[1] as number[]], [input.offset], ['p']);
  const r = red.shape.length;
  const open: string[] = [];
  for (let d = 0; d < r; d++) {
    const prev = d === 0 ? 'p' : `p${d - 1}`;
    open.push(
      `for (var j${d} = 0u; j${d} < ${meta.u(red.shape[d] as number)}; j${d}++) {
    let p${d} = ${prev} + j${d} * ${meta.u((red.strides[0] as number[])[d] as number)};`,
    );
  }
  const code = `${META_DECL}
@group(0) @binding(1) var<storage, read_write> ob: array<${t}>;
@group(0) @binding(2) var<storage, read> xb: array<${t}>;
${HELPERS}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${index}
  ${base}
  var acc: ${t} = ${identity(prim, float)};
  ${open.join('\n  ')}
    let v = xb[p${r - 1}];
    acc = ${combine(prim, float)};
  ${'}'.repeat(r)}
  ob[i] = acc;
}`;
  return { op: prim, code, inputs: [input.handle], output: out.handle, meta: meta.build(), workgroups: groups };
}

/** Outputs below which a long reduction is split in two passes. */
export const SPLIT_MAX_OUTPUTS = 1024;
/** Reduced length per pass-1 invocation (about). */
const CHUNK = 512;

/**
 * The dispatches reducing `input` over `axes` into `out`: two passes through a temporary of
 * partials (from `temp(elements)`) when there are few outputs and a long reduced range.
 * @example reducePrograms('sum', x, out, [0, 1], (n) => pool.acquire(n, 'sum'))
 */
export function reducePrograms<H>(
  prim: ReducePrim,
  input: View<H>,
  out: View<H>,
  axes: readonly number[],
  temp: (elements: number) => H,
): Program<H>[] {
  const count = input.shape.reduce((a, b, d) => (axes.includes(d) ? a : a * b), 1);
  const red = collapse(
    axes.map((a) => input.shape[a] as number),
    [axes.map((a) => input.strides[a] as number)],
  );
  const length = red.shape.reduce((a, b) => a * b, 1);
  const parts = Math.min(Math.ceil(length / CHUNK), Math.max(1, Math.floor(65536 / count)));
  if (count >= SPLIT_MAX_OUTPUTS || red.shape.length !== 1 || parts < 2) {
    return [reduceProgram(prim, input, out, axes)];
  }
  const partials = temp(count * parts);
  const first = partialProgram(prim, input, axes, partials, parts, length, (red.strides[0] as number[])[0] as number);
  const view: View<H> = { handle: partials, dtype: input.dtype, shape: [count, parts], strides: [parts, 1], offset: 0 };
  return [first, reduceProgram(prim, view, out, [1])];
}

/** Pass 1: partial p of output o combines reduced elements p, p + parts, ... (stride `rs`). */
function partialProgram<H>(
  prim: ReducePrim,
  input: View<H>,
  axes: readonly number[],
  partials: H,
  parts: number,
  length: number,
  rs: number,
): Program<H> {
  const t = wgslType(input.dtype, prim);
  const keptShape = input.shape.filter((_, d) => !axes.includes(d));
  const keptStrides = input.strides.filter((_, d) => !axes.includes(d));
  const kept = collapse(keptShape, [contiguousStrides(keptShape), keptStrides]);
  const count = keptShape.reduce((a, b) => a * b, 1) * parts;
  const meta = new MetaBuilder();
  const { groups, rowSpan } = grid(count);
  const index = linearIndex(meta, count, rowSpan);
  const P = meta.u(parts);
  const base = stridedOffsets(meta, 'o', kept.shape, [kept.strides[1] as number[]], [input.offset], ['p']);
  const code = `${META_DECL}
@group(0) @binding(1) var<storage, read_write> ob: array<${t}>;
@group(0) @binding(2) var<storage, read> xb: array<${t}>;
${HELPERS}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${index}
  let o = i / ${P};
  let part = i % ${P};
  ${base}
  let rs = ${meta.u(rs)};
  var acc: ${t} = ${identity(prim, t === 'f32')};
  for (var j = part; j < ${meta.u(length)}; j += ${P}) {
    let v = xb[p + j * rs];
    acc = ${combine(prim, t === 'f32')};
  }
  ob[i] = acc;
}`;
  return { op: prim, code, inputs: [input.handle], output: partials, meta: meta.build(), workgroups: groups };
}
