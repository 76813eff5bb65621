/**
 * checkGrads: both modes of autodiff checked, in the spirit of JAX's check_grads.
 * - 'fwd': every Jacobian column J e_i by jvp against central differences
 *   (f(x + eps e_i) - f(x - eps e_i)) / (2 eps);
 * - 'rev': the vjp u^T J for a random u against the same projection from forward mode,
 *   ⟨u, J e_i⟩ for every input element i (the two modes must agree: ⟨u, J v⟩ both ways);
 * - order 2: the same checks, recursively, on the derivative functions x -> J(x) v (jvp, for
 *   'fwd') and x -> J(x)^T u (vjp, for 'rev'), so forward-over-forward, forward-over-reverse,
 *   reverse-over-forward and reverse-over-reverse are all exercised.
 * Like gradcheck, it runs in float64 on the CPU (inputs are copied there); only float inputs
 * are perturbed. The report names the check, input, element and both values of the worst entry.
 */
import { concat, isFloat, randn, reshape, type Tensor, TensorError, tensor, tidy } from '@webgrad/tensor';
import { vjp } from './api.js';
import { type GradcheckReport, type GradcheckWorst, scored, summarize } from './gradcheck.js';
import { jvp } from './jvp.js';

export type Mode = 'fwd' | 'rev';

/** Options of `checkGrads`. */
export interface CheckGradsOptions {
  /** 1: first derivatives; 2: also the derivatives of the derivative functions (default 2). */
  order?: 1 | 2;
  /** Which modes to check (default both). */
  modes?: readonly Mode[];
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** An entry passes when |analytic - reference| <= atol + rtol |reference| (defaults 1e-5, 1e-3). */
  atol?: number;
  rtol?: number;
  /** Seed of the random directions u and v (default 0). */
  seed?: number;
  /** Throw an Error carrying the report's message when a check fails. */
  raise?: boolean;
}

/** The entry of a `checkGrads` run that is furthest from its tolerance, and which check it came from. */
export interface CheckGradsWorst extends GradcheckWorst {
  /** Which check: e.g. 'fwd vs central differences of f', 'rev vs fwd of jvp(f)'. */
  check: string;
}

/** The result of `checkGrads`: the verdict, the worst entry and every check that ran. */
export interface CheckGradsReport extends Omit<GradcheckReport, 'worst'> {
  worst: CheckGradsWorst | undefined;
  /** The checks that ran, in order, with their own verdicts. */
  checks: { check: string; ok: boolean; entries: number }[];
}

type Fn = (...xs: Tensor[]) => Tensor;

interface Settings {
  eps: number;
  atol: number;
  rtol: number;
  seed: number;
}

interface Entry extends CheckGradsWorst {
  ratio: number;
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

const entry = (s: Settings, base: Omit<CheckGradsWorst, 'absError' | 'relError'>): Entry => scored(s, base);

function cpu64(values: ArrayLike<number>, shape: readonly number[]): Tensor {
  return tensor(Float64Array.from(values), { dtype: 'float64', device: 'cpu', shape });
}

function normals(shape: readonly number[], seed: number): Tensor {
  return randn([...shape], { seed, dtype: 'float64', device: 'cpu' });
}

function withAt(xs: readonly Tensor[], k: number, x: Tensor): Tensor[] {
  const out = [...xs];
  out[k] = x;
  return out;
}

/** The order-1 checks of f at `xs`; returns the entries (fwd columns are needed by both modes). */
function firstOrder(f: Fn, xs: Tensor[], modes: readonly Mode[], s: Settings, label: string): [string, Entry[]][] {
  return tidy(() => {
    const floatIdx = xs.flatMap((t, k) => (isFloat(t.dtype) ? [k] : []));
    const fwd: Entry[] = [];
    const rev: Entry[] = [];
    const out = f(...xs);
    const u = normals(out.shape, s.seed + 11).dataSync();
    const revGrads = modes.includes('rev')
      ? vjp(
          (...fs) => f(...floatIdx.reduce((acc, k, j) => withAt(acc, k, fs[j] as Tensor), xs)),
          ...floatIdx.map((k) => xs[k] as Tensor),
        )[1](cpu64(u, out.shape)).map((g) => g.dataSync())
      : [];
    floatIdx.forEach((k, m) => {
      const x = xs[k] as Tensor;
      const base = Float64Array.from(x.dataSync());
      const fk = (t: Tensor) => f(...withAt(xs, k, t));
      for (let i = 0; i < base.length; i++) {
        const e = new Float64Array(base.length);
        e[i] = 1;
        const column = jvp(fk, [x], [cpu64(e, x.shape)])[1].dataSync();
        const index = multiIndex(i, x.shape);
        if (modes.includes('fwd')) {
          const v = base[i] as number;
          base[i] = v + s.eps;
          const plus = fk(cpu64(base, x.shape)).dataSync();
          base[i] = v - s.eps;
          const minus = fk(cpu64(base, x.shape)).dataSync();
          base[i] = v;
          for (let j = 0; j < column.length; j++) {
            const numeric = ((plus[j] as number) - (minus[j] as number)) / (2 * s.eps);
            const where = { input: k, index, output: multiIndex(j, out.shape) };
            fwd.push(
              entry(s, {
                check: `fwd vs central differences${label}`,
                ...where,
                analytic: column[j] as number,
                numeric,
              }),
            );
          }
        }
        if (modes.includes('rev')) {
          let projected = 0;
          for (let j = 0; j < column.length; j++) projected += (u[j] as number) * (column[j] as number);
          const analytic = (revGrads[m] as ArrayLike<number>)[i] as number;
          rev.push(
            entry(s, { check: `rev vs fwd${label}`, input: k, index, output: [], analytic, numeric: projected }),
          );
        }
      }
    });
    const result: [string, Entry[]][] = [];
    if (modes.includes('fwd')) result.push([`fwd vs central differences${label}`, fwd]);
    if (modes.includes('rev')) result.push([`rev vs fwd${label}`, rev]);
    return result;
  });
}

/** x -> J(x) v for a fixed random v (all float inputs perturbed together). */
function jvpOf(f: Fn, s: Settings): Fn {
  return (...xs) => {
    const floatIdx = xs.flatMap((t, k) => (isFloat(t.dtype) ? [k] : []));
    const vs = floatIdx.map((k, j) => normals((xs[k] as Tensor).shape, s.seed + 101 + j));
    const g = (...fs: Tensor[]) => f(...floatIdx.reduce((acc, k, j) => withAt(acc, k, fs[j] as Tensor), xs));
    return jvp(
      g,
      floatIdx.map((k) => xs[k] as Tensor),
      vs,
    )[1];
  };
}

/** x -> J(x)^T u for a fixed random u, flattened and concatenated over the float inputs. */
function vjpOf(f: Fn, s: Settings): Fn {
  return (...xs) => {
    const floatIdx = xs.flatMap((t, k) => (isFloat(t.dtype) ? [k] : []));
    const g = (...fs: Tensor[]) => f(...floatIdx.reduce((acc, k, j) => withAt(acc, k, fs[j] as Tensor), xs));
    const [out, pullback] = vjp(g, ...floatIdx.map((k) => xs[k] as Tensor));
    const gs = pullback(normals(out.shape, s.seed + 202));
    return concat(
      gs.map((t) => reshape(t, [-1])),
      0,
    );
  };
}

/** The checks of f (named `name` in the report) and, below `order`, of its derivative functions. */
function collect(f: Fn, xs: Tensor[], order: number, modes: readonly Mode[], s: Settings, name: string) {
  const found = firstOrder(f, xs, modes, s, ` of ${name}`);
  if (order > 1) {
    if (modes.includes('fwd')) found.push(...collect(jvpOf(f, s), xs, order - 1, modes, s, `jvp(${name})`));
    if (modes.includes('rev')) found.push(...collect(vjpOf(f, s), xs, order - 1, modes, s, `vjp(${name})`));
  }
  return found;
}

/**
 * Checks f's derivatives in forward and reverse mode, to first or second order, in float64 on
 * the CPU: forward mode against central differences, reverse mode against forward mode.
 * @example
 *   const r = await checkGrads((x) => x.tanh().mul(x).sum(), [randn([3])], { order: 2 });
 *   r.ok; // true; r.message names the worst entry otherwise
 */
export async function checkGrads(
  f: Fn,
  args: readonly Tensor[],
  opts: CheckGradsOptions = {},
): Promise<CheckGradsReport> {
  const s: Settings = { eps: opts.eps ?? 1e-6, atol: opts.atol ?? 1e-5, rtol: opts.rtol ?? 1e-3, seed: opts.seed ?? 0 };
  const modes = opts.modes ?? ['fwd', 'rev'];
  if (modes.length === 0 || modes.some((m) => m !== 'fwd' && m !== 'rev')) {
    throw new Error(`checkGrads: modes must be a non-empty list of 'fwd' and 'rev', got [${modes.join(', ')}]`);
  }
  const xs = await Promise.all(
    args.map(async (t) => {
      const data = await t.data();
      if (!isFloat(t.dtype)) return tensor(data, { dtype: t.dtype, device: 'cpu', shape: t.shape });
      return cpu64(data, t.shape);
    }),
  );
  if (!xs.some((t) => isFloat(t.dtype)))
    throw new TensorError('dtype', 'checkGrads: no float inputs to perturb (give at least one float tensor argument)');
  const checks = collect(f, xs, opts.order ?? 2, modes, s, 'f');
  const all = checks.flatMap(([, es]) => es);
  const { worst, maxAbsError, maxRelError, ok } = summarize(all, s.atol);
  const w = worst && (({ ratio: _, ...rest }) => rest)(worst);
  const detail = w
    ? `worst in '${w.check}' at input ${w.input} element [${w.index.join(', ')}], output element [${w.output.join(', ')}]: analytic ${w.analytic} vs reference ${w.numeric} (abs error ${w.absError}, rel error ${w.relError}); `
    : 'no differentiable entries; ';
  const message = `checkGrads ${ok ? 'passed' : 'FAILED'}: ${detail}max abs error ${maxAbsError}, max rel error ${maxRelError} (${checks.length} checks, eps ${s.eps}, atol ${s.atol}, rtol ${s.rtol})`;
  for (const t of xs) t.dispose();
  const report: CheckGradsReport = {
    ok,
    worst: w,
    maxAbsError,
    maxRelError,
    message,
    checks: checks.map(([check, es]) => ({ check, ok: es.every((e) => e.ratio <= 1), entries: es.length })),
  };
  if (opts.raise && !ok) throw new Error(message);
  return report;
}
