/**
 * Data-movement kernels: pad, gather (take_along_axis) and scatterAdd, one invocation per
 * output element. (concat and contiguous are strided copies: see elementwise.ts.)
 *
 * Indices in [-n, 0) count from the end (NumPy). A GPU kernel cannot raise, so where the CPU
 * throws for an index outside [-n, n), the kernel counts it in its slot of the index-check flag
 * buffer (bound after the inputs; see index-checks.ts) and the backend raises at the next
 * readback; meanwhile the bad gather index reads 0 and the bad scatterAdd index adds nothing.
 * scatterAdd is gather-style: each output element loops over the index along the axis and sums
 * the matching src values in index order. That is deterministic and needs no float atomics, and
 * it adds in the same order as the CPU, so float32 results agree exactly.
 */
import type { View } from '../../../backend.js';
import type { PrimAttrs } from '../../../prims.js';
import { contiguousStrides } from '../../../shape.js';
import {
  collapse,
  grid,
  linearIndex,
  META_DECL,
  MetaBuilder,
  type Program,
  stridedOffsets,
  WORKGROUP,
  wgslType,
} from './common.js';

function header(t: string, inputs: readonly [string, string][], flagged = false): string {
  const flags = flagged
    ? `\n@group(0) @binding(${inputs.length + 2}) var<storage, read_write> flags: array<atomic<u32>>;`
    : '';
  return `${META_DECL}
@group(0) @binding(1) var<storage, read_write> ob: array<${t}>;
${inputs.map(([n, ty], k) => `@group(0) @binding(${k + 2}) var<storage, read> ${n}: array<${ty}>;`).join('\n')}${flags}`;
}

/** Where a checked kernel records a bad index: its slot in the flag buffer. */
export interface IndexCheckSlot<H> {
  flags: H;
  slot: number;
}

/** WGSL statement counting the bad index `raw` in slot `slot` of the flag buffer. */
function flagBad(meta: MetaBuilder, slot: number, raw: string): string {
  const k = meta.u(2 * slot);
  return `atomicAdd(&flags[${k}], 1u); atomicStore(&flags[${k} + 1u], bitcast<u32>(${raw}));`;
}

function countOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * lax.pad: edge padding `low`/`high`, `interior` padding between elements, filled with `value`.
 * @example padProgram(x, out, { low: [1], high: [0], interior: [1], value: 0 })
 */
export function padProgram<H>(input: View<H>, out: View<H>, attrs: PrimAttrs['pad']): Program<H> {
  const t = wgslType(input.dtype, 'pad');
  const meta = new MetaBuilder();
  const count = countOf(out.shape);
  const { groups, rowSpan } = grid(count);
  const lines = [
    linearIndex(meta, count, rowSpan),
    `var rem = i;`,
    `var p = ${meta.u(input.offset)};`,
    'var ok = true;',
  ];
  const value = t === 'f32' ? meta.f(attrs.value) : t === 'i32' ? meta.i(attrs.value) : meta.u(attrs.value ? 1 : 0);
  for (let d = out.shape.length - 1; d >= 0; d--) {
    const dim = meta.u(out.shape[d] as number);
    const step = meta.i((attrs.interior[d] ?? 0) + 1);
    lines.push(`{ let c = i32(rem % ${dim}); rem = rem / ${dim};
    let q = c - ${meta.i(attrs.low[d] ?? 0)};
    let k = q / ${step};
    ok = ok && q >= 0 && q % ${step} == 0 && k < ${meta.i(input.shape[d] as number)};
    p += u32(max(k, 0)) * ${meta.u(input.strides[d] as number)}; }`);
  }
  const code = `${header(t, [['xb', t]])}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${lines.join('\n  ')}
  var v = ${value};
  if (ok) { v = xb[p]; }
  ob[i] = v;
}`;
  return { op: 'pad', code, inputs: [input.handle], output: out.handle, meta: meta.build(), workgroups: groups };
}

/**
 * out[..i..] = x[..index[..i..]..] along `axis`; an index outside [-n, n) reads 0 and, given a
 * `check` slot, is recorded there.
 * @example gatherProgram(x, index, out, 1, { flags, slot: 0 })
 */
export function gatherProgram<H>(
  x: View<H>,
  index: View<H>,
  out: View<H>,
  axis: number,
  check?: IndexCheckSlot<H>,
): Program<H> {
  const t = wgslType(x.dtype, 'gather');
  const xStrides = x.strides.map((s, d) => (d === axis ? 0 : s));
  const c = collapse(out.shape, [contiguousStrides(out.shape), index.strides, xStrides]);
  const meta = new MetaBuilder();
  const count = countOf(out.shape);
  const { groups, rowSpan } = grid(count);
  const index0 = linearIndex(meta, count, rowSpan);
  const offs = stridedOffsets(meta, 'i', c.shape, c.strides.slice(1), [index.offset, x.offset], ['io', 'xo']);
  const zero = t === 'f32' ? '0.0' : t === 'i32' ? '0' : '0u';
  const n = meta.i(x.shape[axis] as number);
  const stride = meta.u(x.strides[axis] as number);
  const bad = check ? ` else { ${flagBad(meta, check.slot, 'raw')} }` : '';
  const code = `${header(
    t,
    [
      ['xb', t],
      ['ib', 'i32'],
    ],
    check !== undefined,
  )}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${index0}
  ${offs}
  let n = ${n};
  let raw = ib[io];
  let j = select(raw, raw + n, raw < 0);
  var v: ${t} = ${zero};
  if (j >= 0 && j < n) { v = xb[xo + u32(j) * ${stride}]; }${bad}
  ob[i] = v;
}`;
  return {
    op: 'gather',
    code,
    inputs: [x.handle, index.handle],
    output: out.handle,
    ...(check ? { flags: check.flags } : {}),
    meta: meta.build(),
    workgroups: groups,
  };
}

/**
 * out = x; out[..index[..i..]..] += src[..i..] along `axis`; an index outside [-n, n) adds
 * nothing and, given a `check` slot, is recorded there (by the invocations at axis position 0,
 * which between them see every index once).
 * @example scatterAddProgram(x, index, src, out, 0, { flags, slot: 1 })
 */
export function scatterAddProgram<H>(
  x: View<H>,
  index: View<H>,
  src: View<H>,
  out: View<H>,
  axis: number,
  check?: IndexCheckSlot<H>,
): Program<H> {
  const t = wgslType(x.dtype, 'scatterAdd');
  const axisOnly = out.shape.map((_, d) => (d === axis ? 1 : 0));
  const noAxis = (s: readonly number[]) => s.map((v, d) => (d === axis ? 0 : v));
  // The axis coordinate rides along as a pseudo-operand with stride 1 on `axis`, 0 elsewhere.
  const c = collapse(out.shape, [
    contiguousStrides(out.shape),
    x.strides,
    noAxis(index.strides),
    noAxis(src.strides),
    axisOnly,
  ]);
  const meta = new MetaBuilder();
  const count = countOf(out.shape);
  const { groups, rowSpan } = grid(count);
  const index0 = linearIndex(meta, count, rowSpan);
  const offs = stridedOffsets(
    meta,
    'i',
    c.shape,
    c.strides.slice(1),
    [x.offset, index.offset, src.offset, 0],
    ['xo', 'io', 'so', 'ca'],
  );
  const n = meta.i(out.shape[axis] as number);
  const len = meta.u(index.shape[axis] as number);
  const istride = meta.u(index.strides[axis] as number);
  const bad = check ? `\n    if (ca == 0u && (raw < -n || raw >= n)) { ${flagBad(meta, check.slot, 'raw')} }` : '';
  const code = `${header(
    t,
    [
      ['xb', t],
      ['ib', 'i32'],
      ['sb', t],
    ],
    check !== undefined,
  )}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${index0}
  ${offs}
  var acc = xb[xo];
  let tgt = i32(ca);
  let n = ${n};
  for (var k = 0u; k < ${len}; k++) {
    let raw = ib[io + k * ${istride}];${bad}
    if (select(raw, raw + n, raw < 0) == tgt) {
      acc = acc + sb[so + k * ${meta.u(src.strides[axis] as number)}];
    }
  }
  ob[i] = acc;
}`;
  return {
    op: 'scatterAdd',
    code,
    inputs: [x.handle, index.handle, src.handle],
    output: out.handle,
    ...(check ? { flags: check.flags } : {}),
    meta: meta.build(),
    workgroups: groups,
  };
}
