/**
 * gradcheck / gradgradcheck: compare the analytic derivatives that autodiff computes with central
 * finite differences (f(x + eps) - f(x - eps)) / (2 eps), for users testing their own functions.
 *
 * The check always runs in float64 on the CPU backend: inputs given in float32 or on WebGPU are
 * copied there first. Why: central differences have truncation error O(eps^2) but rounding error
 * about u |f| / eps, with u the unit roundoff. In float32 (u = 6e-8) at eps = 1e-6 the rounding
 * term alone is ~0.06 |f|, i.e. the numeric derivative is noise; in float64 (u = 1e-16) it is
 * ~1e-10 |f|, far below the default tolerances.
 */
import { concat, isFloat, randn, reshape, type Tensor, tensor, tidy } from '@webgrad/tensor';
import { noGrad, vjp } from './api.js';

/** Options of `gradcheck` and `gradgradcheck`. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** An element passes when |analytic - numeric| <= atol + rtol |numeric| (defaults 1e-5, 1e-3). */
  atol?: number;
  rtol?: number;
  /** Check one random projection v^T J u instead of the full Jacobian (re-runs in full on failure). */
  fastMode?: boolean;
  /** Throw an Error carrying the report's message when the check fails. */
  raise?: boolean;
  /** Seed of the random v and u (fastMode) and of gradgradcheck's output weights (default 0). */
  seed?: number;
}

/** The element of a gradcheck that is furthest from its tolerance. */
export interface GradcheckWorst {
  /** Index of the input (in `inputs`) and multi-index of its element. */
  input: number;
  index: number[];
  /** Multi-index of the output element (empty in a fast-mode projection). */
  output: number[];
  analytic: number;
  numeric: number;
  absError: number;
  /** absError / |numeric| (0 when both are 0). */
  relError: number;
}

/** The result of `gradcheck`: the verdict, the worst element, the largest errors and a message. */
export interface GradcheckReport {
  ok: boolean;
  /** The entry that most exceeds (or comes closest to) its tolerance. */
  worst: GradcheckWorst | undefined;
  maxAbsError: number;
  /** Over entries with |numeric| >= atol (relative errors of near-zero entries mean nothing). */
  maxRelError: number;
  message: string;
}

type Fn = (...xs: Tensor[]) => Tensor;

interface Settings {
  eps: number;
  atol: number;
  rtol: number;
  seed: number;
}

/** A float64 CPU copy of a float input; other dtypes are copied to the CPU unchanged. */
async function toCpu(t: Tensor): Promise<Tensor> {
  const data = await t.data();
  const dtype = isFloat(t.dtype) ? 'float64' : t.dtype;
  return tensor(isFloat(t.dtype) ? Float64Array.from(data) : data, { dtype, device: 'cpu', shape: t.shape });
}

/** Seeded standard normals in float64, from the tensor package's counter-based generator. */
function normals(n: number, seed: number): Float64Array {
  const t = randn([n], { seed, dtype: 'float64', device: 'cpu' });
  const values = t.dataSync() as Float64Array;
  t.dispose();
  return values;
}

/**
 * ||u||_2 by a loop: spreading u into Math.hypot passes one argument per element, which
 * overflows the call stack past ~10^5 elements, the very sizes fast mode is for.
 */
function euclideanNorm(u: Float64Array): number {
  let sq = 0;
  for (let i = 0; i < u.length; i++) sq += (u[i] as number) * (u[i] as number);
  return Math.sqrt(sq);
}

function multiIndex(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i] as number;
    idx[i] = flat % d;
    flat = Math.floor(flat / d);
  }
  return idx;
}

/** The inputs with the float ones replaced by `fs` (in order). */
function withFloats(all: readonly Tensor[], floatIdx: readonly number[], fs: readonly Tensor[]): Tensor[] {
  const xs = [...all];
  floatIdx.forEach((k, j) => {
    xs[k] = fs[j] as Tensor;
  });
  return xs;
}

function evalAt(f: Fn, x: Tensor, values: Float64Array): Float64Array {
  // Under noGrad, requiresGrad tensors that f closes over (module parameters) record no graph per
  // evaluation; the vjp that gradgradcheck's f runs inside still works (it opens its own level).
  return noGrad(() => {
    const y = f(tensor(values, { dtype: 'float64', device: 'cpu', shape: x.shape }));
    return Float64Array.from(y.dataSync());
  });
}

interface Entry extends GradcheckWorst {
  ratio: number;
}

/**
 * @internal One compared value with its errors and its ratio to the tolerance
 * atol + rtol |numeric| (NaN counts as infinitely far).
 */
export function scored<B extends { analytic: number; numeric: number }>(
  s: { atol: number; rtol: number },
  base: B,
): B & { absError: number; relError: number; ratio: number } {
  const absError = Math.abs(base.analytic - base.numeric);
  const relError = absError === 0 ? 0 : absError / Math.abs(base.numeric);
  const ratio = absError / (s.atol + s.rtol * Math.abs(base.numeric));
  return { ...base, absError, relError, ratio: Number.isNaN(ratio) ? Number.POSITIVE_INFINITY : ratio };
}

const entry = (s: Settings, base: Omit<GradcheckWorst, 'absError' | 'relError'>): Entry => scored(s, base);

/** What gradcheck and checkGrads report of their entries: the worst one, the largest errors, ok. */
export interface Summary<E> {
  worst: E | undefined;
  maxAbsError: number;
  maxRelError: number;
  ok: boolean;
}

/**
 * @internal The worst entry (largest error / tolerance ratio), the largest absolute error, and
 * the largest relative error among entries whose reference is at least `atol` (relative error
 * means nothing next to a reference of ~0). ok when every ratio is at most 1.
 */
export function summarize<E extends { ratio: number; absError: number; relError: number; numeric: number }>(
  entries: readonly E[],
  atol: number,
): Summary<E> {
  let worst: E | undefined;
  let maxAbsError = 0;
  let maxRelError = 0;
  for (const e of entries) {
    if (!worst || e.ratio > worst.ratio) worst = e;
    maxAbsError = Math.max(maxAbsError, Number.isNaN(e.absError) ? Number.POSITIVE_INFINITY : e.absError);
    if (Math.abs(e.numeric) >= atol) maxRelError = Math.max(maxRelError, e.relError);
  }
  return { worst, maxAbsError, maxRelError, ok: entries.every((e) => e.ratio <= 1) };
}

function report(name: string, s: Settings, entries: Entry[], prefix = ''): GradcheckReport {
  const { worst, maxAbsError, maxRelError, ok } = summarize(entries, s.atol);
  const w = worst && {
    input: worst.input,
    index: worst.index,
    output: worst.output,
    analytic: worst.analytic,
    numeric: worst.numeric,
    absError: worst.absError,
    relError: worst.relError,
  };
  const where = w ? `input ${w.input} element [${w.index.join(', ')}], output element [${w.output.join(', ')}]` : '';
  const detail = w
    ? `worst at ${where}: analytic ${w.analytic} vs numeric ${w.numeric} (abs error ${w.absError}, rel error ${w.relError}); `
    : 'no differentiable entries; ';
  const message = `${name} ${ok ? 'passed' : 'FAILED'}: ${prefix}${detail}max abs error ${maxAbsError}, max rel error ${maxRelError} (eps ${s.eps}, atol ${s.atol}, rtol ${s.rtol})`;
  return { ok, worst: w, maxAbsError, maxRelError, message };
}

/** Every entry of the Jacobian: analytic rows by vjp with one-hot cotangents, numeric columns. */
function fullCheck(f: Fn, all: Tensor[], floatIdx: number[], s: Settings): Entry[] {
  return tidy(() => {
    const floats = floatIdx.map((k) => all[k] as Tensor);
    const [out, pullback] = vjp((...fs) => f(...withFloats(all, floatIdx, fs)), ...floats);
    const m = out.size;
    const analytic = floats.map((x) => new Float64Array(x.size * m)); // [input element][output element]
    for (let j = 0; j < m; j++) {
      const onehot = new Float64Array(m);
      onehot[j] = 1;
      const gs = pullback(tensor(onehot, { dtype: out.dtype, device: 'cpu', shape: out.shape }));
      gs.forEach((g, k) => {
        const d = g.dataSync();
        for (let i = 0; i < d.length; i++) (analytic[k] as Float64Array)[i * m + j] = d[i] as number;
      });
    }
    const entries: Entry[] = [];
    floats.forEach((x, k) => {
      const base = Float64Array.from(x.dataSync());
      const fk = (t: Tensor) => f(...withFloats(all, floatIdx, withFloats(floats, [k], [t])));
      for (let i = 0; i < base.length; i++) {
        const v = base[i] as number;
        base[i] = v + s.eps;
        const plus = evalAt(fk, x, base);
        base[i] = v - s.eps;
        const minus = evalAt(fk, x, base);
        base[i] = v;
        for (let j = 0; j < m; j++) {
          const numeric = ((plus[j] as number) - (minus[j] as number)) / (2 * s.eps);
          const a = (analytic[k] as Float64Array)[i * m + j] as number;
          const ctx = { input: floatIdx[k] as number, index: multiIndex(i, x.shape), output: multiIndex(j, out.shape) };
          entries.push(entry(s, { ...ctx, analytic: a, numeric }));
        }
      }
    });
    return entries;
  });
}

/** One random projection: v^T J u by vjp against (v . (f(x + eps u) - f(x - eps u))) / (2 eps). */
function fastCheck(f: Fn, all: Tensor[], floatIdx: number[], s: Settings): Entry {
  return tidy(() => {
    const floats = floatIdx.map((k) => all[k] as Tensor);
    const [out, pullback] = vjp((...fs) => f(...withFloats(all, floatIdx, fs)), ...floats);
    const v = normals(out.size, s.seed);
    const total = floats.reduce((n, x) => n + x.size, 0);
    const u = normals(total, s.seed + 1);
    const norm = euclideanNorm(u) || 1;
    for (let i = 0; i < u.length; i++) u[i] = (u[i] as number) / norm;
    const gs = pullback(tensor(v, { dtype: out.dtype, device: 'cpu', shape: out.shape }));
    let analytic = 0;
    const shifted = (sign: number) => {
      let at = 0;
      return floats.map((x, k) => {
        const base = Float64Array.from(x.dataSync());
        const g = (gs[k] as Tensor).dataSync();
        for (let i = 0; i < base.length; i++, at++) {
          if (sign > 0) analytic += (g[i] as number) * (u[at] as number);
          base[i] = (base[i] as number) + sign * s.eps * (u[at] as number);
        }
        return tensor(base, { dtype: 'float64', device: 'cpu', shape: x.shape });
      });
    };
    const dot = (fs: Tensor[]) => {
      const y = noGrad(() => f(...withFloats(all, floatIdx, fs)).dataSync()); // see evalAt
      let acc = 0;
      for (let i = 0; i < y.length; i++) acc += (y[i] as number) * (v[i] as number);
      return acc;
    };
    const numeric = (dot(shifted(1)) - dot(shifted(-1))) / (2 * s.eps);
    return entry(s, { input: -1, index: [], output: [], analytic, numeric });
  });
}

async function check(name: string, f: Fn, inputs: readonly Tensor[], opts: GradcheckOptions): Promise<GradcheckReport> {
  const s: Settings = { eps: opts.eps ?? 1e-6, atol: opts.atol ?? 1e-5, rtol: opts.rtol ?? 1e-3, seed: opts.seed ?? 0 };
  const all = await Promise.all(inputs.map(toCpu));
  const floatIdx = all.flatMap((t, k) => (isFloat(t.dtype) ? [k] : []));
  if (floatIdx.length === 0) throw new Error(`${name}: no float inputs to perturb`);
  let result: GradcheckReport;
  if (opts.fastMode) {
    const fast = fastCheck(f, all, floatIdx, s);
    const projection = `fast mode v^T J u: analytic ${fast.analytic} vs numeric ${fast.numeric}`;
    if (fast.ratio <= 1) result = report(name, s, [fast], `${projection}; `);
    else {
      // Locate the culprit with the full Jacobian; the projection's failure stands either way.
      const full = report(name, s, fullCheck(f, all, floatIdx, s), `${projection} (failed); full Jacobian `);
      result = { ...full, ok: false, message: full.message.replace(`${name} passed`, `${name} FAILED`) };
    }
  } else result = report(name, s, fullCheck(f, all, floatIdx, s));
  if (opts.raise && !result.ok) throw new Error(result.message);
  return result;
}

/**
 * Checks f's analytic Jacobian against central differences in float64 on the CPU. Only float
 * inputs are perturbed; integer and bool inputs (indices, masks) are passed through.
 * @example const r = await gradcheck((x) => x.tanh().sum(), [randn([3])]); r.ok // true
 */
export function gradcheck(f: Fn, inputs: readonly Tensor[], opts: GradcheckOptions = {}): Promise<GradcheckReport> {
  return check('gradcheck', f, inputs, opts);
}

/**
 * Checks second derivatives: gradcheck of x -> J(x)^T v (the first derivative contracted with a
 * fixed random v), which must itself be differentiated correctly.
 * @example await gradgradcheck((x) => x.mul(x).mul(x).sum(), [randn([3])]);
 */
export function gradgradcheck(f: Fn, inputs: readonly Tensor[], opts: GradcheckOptions = {}): Promise<GradcheckReport> {
  const seed = opts.seed ?? 0;
  const firstDerivative: Fn = (...xs) => {
    const floatIdx = xs.flatMap((t, k) => (isFloat(t.dtype) ? [k] : []));
    const floats = floatIdx.map((k) => xs[k] as Tensor);
    const [out, pullback] = vjp((...fs) => f(...withFloats(xs, floatIdx, fs)), ...floats);
    const v = tensor(normals(out.size, seed + 2), { dtype: out.dtype, device: out.device, shape: out.shape });
    return concat(
      pullback(v).map((g) => reshape(g, [-1])),
      0,
    );
  };
  return check('gradgradcheck', firstDerivative, inputs, opts);
}
