/**
 * Batched matmul [..., M, K] x [..., K, N], register-blocked: each invocation computes a
 * TM x TN block of C in vec4 accumulators, stepping K by 4. No workgroup memory or barriers:
 * on lavapipe those cost more than they save (measured on our 2-core machines at N = 1024: 16x16
 * shared-memory tiles with barriers 0.33 GFLOP/s, a 4x4 vec4 block per invocation 3.0 GFLOP/s).
 *
 * Operands are read through their strides, so a transposed operand costs no copy. Each one is
 * loaded with vec4s along whichever axis is contiguous and divisible by 4 ('k4': along K;
 * 'mn4': along M for A, N for B), else with scalar loads. Rows and columns past the edge are
 * clamped on load and skipped on store, so any M, N, K works.
 */
import type { View } from '../../../backend.js';
import { collapse, META_DECL, MetaBuilder, type Program } from './common.js';

/** Rows and columns per invocation (TN a multiple of 4), and the workgroup's extent. */
export interface MatmulTiling {
  tm: number;
  tn: number;
  wx: number;
  wy: number;
}

export const DEFAULT_TILING: MatmulTiling = { tm: 4, tn: 8, wx: 8, wy: 8 };

type Mode = 'k4' | 'mn4' | 'scalar';

/** True when offset, the listed strides and the batch strides are all multiples of 4. */
function aligned4(v: View, strides: readonly number[]): boolean {
  return [v.offset, ...strides, ...v.strides.slice(0, -2)].every((s) => s % 4 === 0);
}

function modeOf(v: View, outer: number, inner: number, tileOuter: number): Mode {
  const nd = v.shape.length;
  const [rs, cs] = [v.strides[nd - 2] as number, v.strides[nd - 1] as number];
  // For A: rows are M, columns K. For B (passed transposed-wise by the caller): rows N, columns K.
  if (cs === 1 && inner % 4 === 0 && aligned4(v, [rs])) return 'k4';
  if (rs === 1 && outer % 4 === 0 && tileOuter % 4 === 0 && aligned4(v, [cs])) return 'mn4';
  return 'scalar';
}

/** Swaps the last two axes of a view (B is handled as an [N, K] operand like A's [M, K]). */
function swapLast<H>(v: View<H>): View<H> {
  const nd = v.shape.length;
  const shape = [...v.shape.slice(0, -2), v.shape[nd - 1] as number, v.shape[nd - 2] as number];
  const strides = [...v.strides.slice(0, -2), v.strides[nd - 1] as number, v.strides[nd - 2] as number];
  return { ...v, shape, strides };
}

/**
 * WGSL statements loading operand `n` ('a' or 'b') for rows r0..r0+T-1 (clamped to `rows`-1) at
 * k..k+3 into `n<r>_<kk>` scalars. Row stride `rs`, K stride `cs`, base `n`base.
 */
function loads(n: string, mode: Mode, t: number, rows: string, rs: string, cs: string): string {
  const out: string[] = [];
  const arr = `${n}b`;
  if (mode === 'k4') {
    for (let r = 0; r < t; r++) {
      out.push(`let ${n}v${r} = ${arr}[(${n}base + min(${n}0 + ${r}u, ${rows} - 1u) * ${rs} + k) >> 2u];`);
      for (let kk = 0; kk < 4; kk++) out.push(`let ${n}${r}_${kk} = ${n}v${r}[${kk}];`);
    }
  } else if (mode === 'mn4') {
    for (let g = 0; g < t / 4; g++) {
      for (let kk = 0; kk < 4; kk++) {
        const v = `${n}g${g}_${kk}`;
        out.push(`let ${v} = ${arr}[(${n}base + min(${n}0 + ${4 * g}u, ${rows} - 4u) + (k + ${kk}u) * ${cs}) >> 2u];`);
        for (let q = 0; q < 4; q++) out.push(`let ${n}${4 * g + q}_${kk} = ${v}[${q}];`);
      }
    }
  } else {
    for (let r = 0; r < t; r++) {
      out.push(`let ${n}row${r} = ${n}base + min(${n}0 + ${r}u, ${rows} - 1u) * ${rs};`);
      for (let kk = 0; kk < 4; kk++) out.push(`let ${n}${r}_${kk} = ${arr}[${n}row${r} + (k + ${kk}u) * ${cs}];`);
    }
  }
  return out.join('\n      ');
}

/** A scalar read of operand `n` at row r0 + r (clamped), depth k: used by the K % 4 tail. */
function scalarAt(n: string, mode: Mode, r: number, rows: string, rs: string, cs: string): string {
  const e = `${n}base + min(${n}0 + ${r}u, ${rows} - 1u) * ${rs} + k * ${cs}`;
  return mode === 'scalar' ? `${n}b[${e}]` : `${n}b[(${e}) >> 2u][(${e}) & 3u]`;
}

const CODE = new Map<string, string>();

/** The WGSL text for load modes `am`/`bm`; `u` holds the uniform expressions M, N, K and strides. */
function matmulCode(tiling: MatmulTiling, am: Mode, bm: Mode, u: string[], base: string[]): string {
  const { tm, tn, wx, wy } = tiling;
  const [mU, nU, kU, ars, acs, brs, bcs] = u as [string, string, string, string, string, string, string];
  const groups = tn / 4;
  const acc: string[] = [];
  const fma: string[] = [];
  for (let r = 0; r < tm; r++) {
    for (let g = 0; g < groups; g++) {
      acc.push(`var c${r}_${g} = vec4<f32>(0.0);`);
      for (let kk = 0; kk < 4; kk++) {
        const bv = `vec4<f32>(${[0, 1, 2, 3].map((q) => `b${4 * g + q}_${kk}`).join(', ')})`;
        fma.push(`c${r}_${g} = fma(vec4<f32>(a${r}_${kk}), ${bv}, c${r}_${g});`);
      }
    }
  }
  const tail: string[] = [];
  for (let r = 0; r < tm; r++) tail.push(`let ta${r} = ${scalarAt('a', am, r, mU, ars, acs)};`);
  for (let c = 0; c < tn; c++) tail.push(`let tb${c} = ${scalarAt('b', bm, c, nU, brs, bcs)};`);
  for (let r = 0; r < tm; r++) {
    for (let g = 0; g < groups; g++) {
      const bv = `vec4<f32>(${[0, 1, 2, 3].map((q) => `tb${4 * g + q}`).join(', ')})`;
      tail.push(`c${r}_${g} = fma(vec4<f32>(ta${r}), ${bv}, c${r}_${g});`);
    }
  }
  const stores: string[] = [];
  for (let r = 0; r < tm; r++) {
    stores.push(`if (a0 + ${r}u < ${mU}) {`);
    for (let g = 0; g < groups; g++) {
      for (let q = 0; q < 4; q++) {
        stores.push(
          `  if (b0 + ${4 * g + q}u < ${nU}) { ob[obase + (a0 + ${r}u) * ${nU} + b0 + ${4 * g + q}u] = c${r}_${g}[${q}]; }`,
        );
      }
    }
    stores.push('}');
  }
  const ty = (m: Mode) => (m === 'scalar' ? 'f32' : 'vec4<f32>');
  return `${META_DECL}
@group(0) @binding(1) var<storage, read_write> ob: array<f32>;
@group(0) @binding(2) var<storage, read> ab: array<${ty(am)}>;
@group(0) @binding(3) var<storage, read> bb: array<${ty(bm)}>;
@compute @workgroup_size(${wx}, ${wy}, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b0 = gid.x * ${tn}u;
  let a0 = gid.y * ${tm}u;
  ${base.join('\n  ')}
  ${acc.join('\n  ')}
  let k4 = ${kU} & ~3u;
  var k = 0u;
  for (; k < k4; k += 4u) {
      ${loads('a', am, tm, mU, ars, acs)}
      ${loads('b', bm, tn, nU, brs, bcs)}
      ${fma.join('\n      ')}
  }
  for (; k < ${kU}; k++) {
    ${tail.join('\n    ')}
  }
  ${stores.join('\n  ')}
}`;
}

/**
 * The matmul dispatch for broadcast operands `a` [..., M, K], `b` [..., K, N] into contiguous `out`.
 * @example matmulProgram(a, b, out)
 */
export function matmulProgram<H>(a: View<H>, b: View<H>, out: View<H>, tiling = DEFAULT_TILING): Program<H> {
  const { tm, tn, wx, wy } = tiling;
  const nd = out.shape.length;
  const [M, N] = [out.shape[nd - 2] as number, out.shape[nd - 1] as number];
  const K = a.shape[nd - 1] as number;
  const bt = swapLast(b); // [..., N, K]
  const am = modeOf(a, M, K, tm);
  const bm = modeOf(bt, N, K, tn);
  const batch = collapse(out.shape.slice(0, -2), [
    out.strides.slice(0, -2),
    a.strides.slice(0, -2),
    b.strides.slice(0, -2),
  ]);
  const nBatch = out.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const meta = new MetaBuilder();
  const [mU, nU, kU] = [meta.u(M), meta.u(N), meta.u(K)];
  const [ars, acs] = [meta.u(a.strides[nd - 2] as number), meta.u(a.strides[nd - 1] as number)];
  const [brs, bcs] = [meta.u(bt.strides[nd - 2] as number), meta.u(bt.strides[nd - 1] as number)];
  const base: string[] = [
    `var rem = gid.z;`,
    `var abase = ${meta.u(a.offset)};`,
    `var bbase = ${meta.u(b.offset)};`,
    'var obase = 0u;',
  ];
  for (let d = batch.shape.length - 1; d >= 0; d--) {
    const dim = meta.u(batch.shape[d] as number);
    base.push(`{ let c = rem % ${dim}; rem = rem / ${dim};`);
    ['obase', 'abase', 'bbase'].forEach((n, k) => {
      base.push(`  ${n} += c * ${meta.u((batch.strides[k] as number[])[d] as number)};`);
    });
    base.push('}');
  }
  // The text depends only on the load modes, tiling and batch rank (shapes are uniforms):
  // memoised, since generating it costs more than encoding a small dispatch.
  const key = `${am}|${bm}|${tm},${tn},${wx},${wy}|${batch.shape.length}`;
  let code = CODE.get(key);
  if (code === undefined) {
    code = matmulCode(tiling, am, bm, [mU, nU, kU, ars, acs, brs, bcs], base);
    CODE.set(key, code);
  }
  const gx = Math.ceil(Math.ceil(N / tn) / wx);
  const gy = Math.ceil(Math.ceil(M / tm) / wy);
  return {
    op: 'matmul',
    code,
    inputs: [a.handle, b.handle],
    output: out.handle,
    meta: meta.build(),
    workgroups: [gx, gy, nBatch],
  };
}
