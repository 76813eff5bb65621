/**
 * One kernel for a whole DAG of elementwise ops (see fusion.ts): leaves are strided reads of
 * buffers (or host constants, passed in the uniform block), ops are calls of one small WGSL
 * function per distinct op signature, each value is computed once (common subexpressions are
 * emitted once), and only the root is stored.
 *
 * Two layouts: when the element count and every strided leaf's innermost (collapsed) dim are
 * multiples of 4, each invocation computes 4 consecutive elements, loading a leaf as one vec4
 * where it is contiguous and aligned, else as 4 scalars a stride apart (measured ~3x faster than
 * one element per invocation on lavapipe); otherwise one element per invocation. Index
 * arithmetic is shared among leaves of the same collapsed shape.
 */
import type { View } from '../../../backend.js';
import { contiguousStrides } from '../../../shape.js';
import { collapse, grid, HELPERS, MetaBuilder, metaDecl, type Program, WORKGROUP, wgslType } from './common.js';
import { helpersFor } from './elementwise.js';

/** A value of the DAG: a leaf read (`bits`: a host constant's raw word) or an op on earlier values. */
export type FusedValue<H> =
  | { kind: 'leaf'; view: View<H>; bits?: number }
  | { kind: 'op'; op: string; expr: string; args: readonly number[]; argTypes: readonly string[]; outType: string };

/** Most uniform slots a fused kernel may use (4 KiB). */
export const FUSED_META_SLOTS = 1024;

interface LeafPlan {
  mode: 'const' | 'scalar' | 'strided';
  shape: number[];
  strides: number[];
  /** Reads of 4 consecutive elements (from a multiple of 4) are one aligned vec4. */
  vec: boolean;
}

function planLeaf<H>(v: FusedValue<H> & { kind: 'leaf' }): LeafPlan {
  if (v.bits !== undefined) return { mode: 'const', shape: [], strides: [], vec: false };
  const c = collapse(v.view.shape, [contiguousStrides(v.view.shape), v.view.strides]);
  const strides = c.strides[1] as number[];
  if (strides.every((s) => s === 0)) return { mode: 'scalar', shape: [], strides: [], vec: false };
  const r = strides.length - 1;
  const vec = strides[r] === 1 && [v.view.offset, ...strides.slice(0, r)].every((s) => s % 4 === 0);
  return { mode: 'strided', shape: c.shape, strides, vec };
}

/**
 * The program computing `values` (topologically ordered, root last) into contiguous `out`.
 * @example fusedProgram([{ kind: 'leaf', view: x }, { kind: 'op', op: 'exp', expr: 'exp(x)', args: [0], argTypes: ['f32'], outType: 'f32' }], out, 'fused(exp)')
 */
export function fusedProgram<H>(values: readonly FusedValue<H>[], out: View<H>, label: string): Program<H> {
  const count = out.shape.reduce((a, b) => a * b, 1);
  const plans = values.map((v) => (v.kind === 'leaf' ? planLeaf(v) : undefined));
  const vec4 =
    count % 4 === 0 &&
    plans.every((p) => p === undefined || p.mode !== 'strided' || (p.shape.at(-1) as number) % 4 === 0);
  const meta = new MetaBuilder(FUSED_META_SLOTS);
  const lanes = vec4 ? 4 : 1;
  const { groups, rowSpan } = grid(count / lanes);
  const body: string[] = [
    `let i = gid.x + gid.y * ${meta.u(rowSpan)};`,
    `if (i >= ${meta.u(count / lanes)}) { return; }`,
  ];
  // Bindings: one per (buffer, element type) pair.
  const bindings: H[] = [];
  const decls: string[] = [];
  const bindingOf = new Map<H, Map<string, string>>();
  const bind = (h: H, type: string): string => {
    let byType = bindingOf.get(h);
    if (!byType) bindingOf.set(h, (byType = new Map()));
    let name = byType.get(type);
    if (!name) {
      name = `b${bindings.length}`;
      decls.push(`@group(0) @binding(${bindings.length + 2}) var<storage, read> ${name}: array<${type}>;`);
      bindings.push(h);
      byType.set(type, name);
    }
    return name;
  };
  // Index decomposition, shared by strided leaves of one collapsed shape.
  const coords = new Map<string, string[]>();
  const coordsOf = (shape: number[]): string[] => {
    const key = shape.join(',');
    let cs = coords.get(key);
    if (!cs) {
      const g = `g${coords.size}`;
      const dims = shape.map((d) => meta.u(d));
      body.push(`var ${g} = ${vec4 ? 'i * 4u' : 'i'};`);
      cs = [];
      for (let d = shape.length - 1; d >= 0; d--) {
        const c = `${g}_${d}`;
        body.push(d > 0 ? `let ${c} = ${g} % ${dims[d]}; ${g} = ${g} / ${dims[d]};` : `let ${c} = ${g};`);
        cs[d] = c;
      }
      coords.set(key, cs);
    }
    return cs;
  };
  // Function per distinct op signature.
  const fns = new Map<string, string>();
  const fnOf = (v: FusedValue<H> & { kind: 'op' }): string => {
    const params = v.argTypes.map((t, k) => `${'xyz'[k]}: ${t}`).join(', ');
    const text = `(${params}) -> ${v.outType} { return ${v.expr}; }`;
    let name = fns.get(text);
    if (!name) fns.set(text, (name = `f${fns.size}`));
    return name;
  };
  // Per value: how lane q reads it.
  const lane: ((q: number) => string)[] = [];
  values.forEach((v, j) => {
    const name = `v${j}`;
    if (v.kind === 'op') {
      const f = fnOf(v);
      for (let q = 0; q < lanes; q++) {
        const args = v.args.map((a) => (lane[a] as (q: number) => string)(q)).join(', ');
        body.push(`let ${name}_${q} = ${f}(${args});`);
      }
      lane[j] = (q) => `${name}_${q}`;
      return;
    }
    const plan = plans[j] as LeafPlan;
    const t = wgslType(v.view.dtype, label);
    if (plan.mode === 'const') {
      const raw = meta.u(v.bits as number);
      body.push(`let ${name} = ${t === 'u32' ? raw : `bitcast<${t}>(${raw})`};`);
      lane[j] = () => name;
    } else if (plan.mode === 'scalar') {
      body.push(`let ${name} = ${bind(v.view.handle, t)}[${meta.u(v.view.offset)}];`);
      lane[j] = () => name;
    } else {
      // The flat offset of element i (or 4i) of this leaf.
      const r = plan.shape.length - 1;
      const inner = meta.u(plan.strides[r] as number);
      let at: string;
      if (r === 0) at = `${meta.u(v.view.offset)} + ${vec4 ? 'i * 4u' : 'i'} * ${inner}`;
      else {
        const cs = coordsOf(plan.shape);
        const terms = plan.strides.map((s, d) => (d === r ? `${cs[d]} * ${inner}` : `${cs[d]} * ${meta.u(s)}`));
        at = `${meta.u(v.view.offset)} + ${terms.join(' + ')}`;
      }
      body.push(`let ${name}_at = ${at};`);
      if (vec4 && plan.vec) {
        body.push(`let ${name} = ${bind(v.view.handle, `vec4<${t}>`)}[${name}_at >> 2u];`);
        lane[j] = (q) => `${name}[${q}]`;
      } else if (vec4) {
        // 4 consecutive elements of a row (its length is a multiple of 4): `inner` apart.
        const b = bind(v.view.handle, t);
        for (let q = 0; q < 4; q++) body.push(`let ${name}_${q} = ${b}[${name}_at + ${q}u * ${inner}];`);
        lane[j] = (q) => `${name}_${q}`;
      } else {
        body.push(`let ${name} = ${bind(v.view.handle, t)}[${name}_at];`);
        lane[j] = () => name;
      }
    }
  });
  const root = values.length - 1;
  const outType = wgslType(out.dtype, label);
  const rootLanes = Array.from({ length: lanes }, (_, q) => (lane[root] as (q: number) => string)(q));
  body.push(vec4 ? `ob[i] = vec4<${outType}>(${rootLanes.join(', ')});` : `ob[i] = ${rootLanes[0]};`);
  const fnText = [...fns].map(([text, name]) => `fn ${name}${text}`).join('\n');
  const slots = Math.max(64, Math.ceil(meta.used / 64) * 64);
  const code = `${metaDecl(slots)}
@group(0) @binding(1) var<storage, read_write> ob: array<${vec4 ? `vec4<${outType}>` : outType}>;
${decls.join('\n')}
${HELPERS}
${helpersFor(fnText)}
${fnText}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${body.join('\n  ')}
}`;
  return {
    op: label,
    code,
    inputs: bindings,
    output: out.handle,
    meta: meta.build().subarray(0, slots),
    workgroups: groups,
  };
}
