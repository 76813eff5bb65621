/**
 * Reductions (sum, maxReduce, prod) over any set of axes: one invocation per output element
 * loops over the reduced sub-index with nested loops (kept and reduced dims collapsed
 * separately). No workgroup tree: barriers are slow on software rasterisers (see
 * ENVIRONMENT.md), and most reductions in training have many outputs.
 *
 * max propagates NaN like the CPU. Sums accumulate in float32 in index order (the CPU uses
 * float64), so long float32 sums differ from the CPU by a few float32 ulps times sqrt(length).
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
