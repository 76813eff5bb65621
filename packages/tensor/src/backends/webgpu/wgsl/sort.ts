/**
 * argsort along one axis, one invocation per element: the element's rank in its lane is the
 * number of lane elements that sort before it (value first, then position, so the order is
 * stable and every rank is distinct), and it writes its own position at that rank. O(n) work
 * per element and no barriers: simple and exact, meant for the lane lengths of sort/topk in
 * models (a bitonic network would be the next step for long lanes).
 * Order as on the CPU: ascending puts NaN last, descending first; -0 equals +0.
 */
import type { View } from '../../../backend.js';
import type { PrimAttrs } from '../../../prims.js';
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

/** WGSL for "a sorts strictly before b" on values of type `t`. */
function beforeExpr(t: 'f32' | 'i32' | 'u32', descending: boolean): string {
  if (t !== 'f32') return descending ? 'a > b' : 'a < b';
  return descending ? '(isnan_(a) && !isnan_(b)) || a > b' : '!isnan_(a) && (isnan_(b) || a < b)';
}

/**
 * @example argsortProgram(x, out, { axis: 1, descending: false })
 */
export function argsortProgram<H>(x: View<H>, out: View<H>, { axis, descending }: PrimAttrs['argsort']): Program<H> {
  const t = wgslType(x.dtype, 'argsort');
  const n = x.shape[axis] as number;
  const noAxis = (s: readonly number[]) => s.map((v, d) => (d === axis ? 0 : v));
  const axisOnly = x.shape.map((_, d) => (d === axis ? 1 : 0));
  // Per element: its offset in x, its lane's start in out, and its coordinate on the axis.
  const c = collapse(x.shape, [contiguousStrides(x.shape), x.strides, noAxis(out.strides), axisOnly]);
  const meta = new MetaBuilder();
  const count = x.shape.reduce((a, b) => a * b, 1);
  const { groups, rowSpan } = grid(count);
  const index0 = linearIndex(meta, count, rowSpan);
  const offs = stridedOffsets(meta, 'i', c.shape, c.strides.slice(1), [x.offset, out.offset, 0], ['xo', 'oo', 'ca']);
  const xs = meta.u(x.strides[axis] as number);
  const code = `${META_DECL}
@group(0) @binding(1) var<storage, read_write> ob: array<i32>;
@group(0) @binding(2) var<storage, read> xb: array<${t}>;
${HELPERS}
fn before_(a: ${t}, b: ${t}) -> bool { return ${beforeExpr(t, descending)}; }
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${index0}
  ${offs}
  let xs = ${xs};
  let lane = xo - ca * xs;
  let v = xb[xo];
  var rank = 0u;
  for (var j = 0u; j < ${meta.u(n)}; j++) {
    let w = xb[lane + j * xs];
    if (before_(w, v) || (j < ca && !before_(v, w))) { rank++; }
  }
  ob[oo + rank * ${meta.u(out.strides[axis] as number)}] = i32(ca);
}`;
  return { op: 'argsort', code, inputs: [x.handle], output: out.handle, meta: meta.build(), workgroups: groups };
}
