/**
 * Naive float64 references for the op-spec table: plain loops over row-major `Ref` arrays, with
 * broadcasting done by index arithmetic. Written for obviousness, not speed, and independent of
 * the library (nothing here imports @webgrad/tensor).
 */
import type { Ref } from './op-spec.js';

export const sizeOfShape = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Row-major strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
}

/** Multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i] as number;
    idx[i] = flat % d;
    flat = Math.floor(flat / d);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * (shape[i] as number) + (idx[i] as number);
  return flat;
}

export function normAxis(axis: number, ndim: number): number {
  return axis < 0 ? axis + ndim : axis;
}

/** Sorted distinct non-negative axes; undefined = all. */
export function normAxes(axis: number | readonly number[] | undefined, ndim: number): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  return [...new Set(list.map((a) => normAxis(a, ndim)))].sort((a, b) => a - b);
}

/** Builds a Ref of `shape` whose element at multi-index idx is `f(idx)`. */
export function build(shape: readonly number[], f: (idx: number[]) => number): Ref {
  const n = sizeOfShape(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = f(unravel(i, shape));
  return { shape: [...shape], data };
}

/** Element of `x` at `idx` of a broadcast shape (right-aligned; size-1 dims read index 0). */
export function at(x: Ref, idx: readonly number[]): number {
  const lead = idx.length - x.shape.length;
  let flat = 0;
  for (let i = 0; i < x.shape.length; i++) {
    const d = x.shape[i] as number;
    flat = flat * d + (d === 1 ? 0 : (idx[lead + i] as number));
  }
  return x.data[flat] as number;
}

/** NumPy broadcast of shapes (the references trust the generator to make them compatible). */
export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  return Array.from({ length: nd }, (_, i) => {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - nd + i];
      if (v !== undefined && v !== 1) d = v;
    }
    return d;
  });
}

export function mapRef(x: Ref, f: (v: number) => number): Ref {
  return { shape: [...x.shape], data: x.data.map(f) };
}

/** f applied elementwise over the broadcast of all operands. */
export function zipRef(operands: readonly Ref[], f: (...v: number[]) => number): Ref {
  const shape = broadcastShape(...operands.map((o) => o.shape));
  return build(shape, (idx) => f(...operands.map((o) => at(o, idx))));
}

/** Reduces `axes` with `combine` from `init`, then `finish(acc, count)`. */
export function reduceRef(
  x: Ref,
  axis: number | readonly number[] | undefined,
  keepdims: boolean,
  init: number,
  combine: (acc: number, v: number) => number,
  finish: (acc: number, count: number) => number = (a) => a,
): Ref {
  const axes = normAxes(axis, x.shape.length);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const count = sizeOfShape(axes.map((a) => x.shape[a] as number));
  const acc = new Array<number>(sizeOfShape(keptShape)).fill(init);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).map((v, k) => (axes.includes(k) ? 0 : v));
    const o = ravel(idx, keptShape);
    acc[o] = combine(acc[o] as number, x.data[i] as number);
  }
  const shape = keepdims ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
  return { shape, data: acc.map((a) => finish(a, count)) };
}

/** Index of the first extreme along `axis` (flattened when undefined); `better(a, b)`: a beats b. */
export function argRef(
  x: Ref,
  axis: number | undefined,
  keepdims: boolean,
  better: (a: number, b: number) => boolean,
): Ref {
  if (axis === undefined) {
    const flat = argRef({ shape: [x.data.length], data: x.data }, 0, false, better);
    return keepdims ? { shape: x.shape.map(() => 1), data: flat.data } : flat;
  }
  const ax = normAxis(axis, x.shape.length);
  const keptShape = x.shape.map((d, i) => (i === ax ? 1 : d));
  const out = build(keptShape, (idx) => {
    let best = 0;
    for (let k = 1; k < (x.shape[ax] as number); k++) {
      const cand = [...idx];
      cand[ax] = k;
      const cur = [...idx];
      cur[ax] = best;
      if (better(x.data[ravel(cand, x.shape)] as number, x.data[ravel(cur, x.shape)] as number)) best = k;
    }
    return best;
  });
  return keepdims ? out : { shape: x.shape.filter((_, i) => i !== ax), data: out.data };
}

export function permuteRef(x: Ref, perm: readonly number[]): Ref {
  const shape = perm.map((p) => x.shape[p] as number);
  return build(shape, (idx) => {
    const src = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      src[p] = idx[i] as number;
    });
    return x.data[ravel(src, x.shape)] as number;
  });
}

export function expandRef(x: Ref, shape: readonly number[]): Ref {
  return build(shape, (idx) => at(x, idx));
}

/** Per-axis start and step (already resolved) picking `shape` elements. */
export function stridedRef(x: Ref, starts: readonly number[], steps: readonly number[], shape: readonly number[]): Ref {
  return build(shape, (idx) =>
    at(
      x,
      idx.map((v, i) => (starts[i] as number) + v * (steps[i] as number)),
    ),
  );
}

export function concatRef(xs: readonly Ref[], axis: number): Ref {
  const first = xs[0] as Ref;
  const ax = normAxis(axis, first.shape.length);
  const shape = [...first.shape];
  shape[ax] = xs.reduce((n, x) => n + (x.shape[ax] as number), 0);
  return build(shape, (idx) => {
    let k = idx[ax] as number;
    for (const x of xs) {
      const d = x.shape[ax] as number;
      if (k < d) {
        const src = [...idx];
        src[ax] = k;
        return x.data[ravel(src, x.shape)] as number;
      }
      k -= d;
    }
    throw new Error('concatRef: index past the end');
  });
}

export function padRef(x: Ref, widths: readonly (readonly [number, number])[], value: number): Ref {
  const shape = x.shape.map((d, i) => d + (widths[i]?.[0] ?? 0) + (widths[i]?.[1] ?? 0));
  return build(shape, (idx) => {
    const src = idx.map((v, i) => v - (widths[i]?.[0] ?? 0));
    const inside = src.every((v, i) => v >= 0 && v < (x.shape[i] as number));
    return inside ? (x.data[ravel(src, x.shape)] as number) : value;
  });
}

/** take_along_axis. */
export function gatherRef(x: Ref, index: Ref, axis: number): Ref {
  const ax = normAxis(axis, x.shape.length);
  const n = x.shape[ax] as number;
  return build(index.shape, (idx) => {
    const src = [...idx];
    src[ax] = fromEnd(index.data[ravel(idx, index.shape)] as number, n);
    return x.data[ravel(src, x.shape)] as number;
  });
}

/** An index in [-n, 0) counts from the end (NumPy). */
const fromEnd = (j: number, n: number): number => (j < 0 ? j + n : j);

/** torch.scatter_add: out = x; out[..index[i]..] += src[i] (negative indices from the end). */
export function scatterAddRef(x: Ref, index: Ref, src: Ref, axis: number): Ref {
  const ax = normAxis(axis, x.shape.length);
  const data = [...x.data];
  for (let i = 0; i < index.data.length; i++) {
    const idx = unravel(i, index.shape);
    idx[ax] = fromEnd(index.data[i] as number, x.shape[ax] as number);
    const o = ravel(idx, x.shape);
    data[o] = (data[o] as number) + (src.data[i] as number);
  }
  return { shape: [...x.shape], data };
}

/** NumPy take along one axis with an index of any shape. */
export function takeRef(x: Ref, index: Ref, axis: number): Ref {
  const ax = normAxis(axis, x.shape.length);
  const shape = [...x.shape.slice(0, ax), ...index.shape, ...x.shape.slice(ax + 1)];
  const k = index.shape.length;
  return build(shape, (idx) => {
    const which = fromEnd(index.data[ravel(idx.slice(ax, ax + k), index.shape)] as number, x.shape[ax] as number);
    return x.data[ravel([...idx.slice(0, ax), which, ...idx.slice(ax + k)], x.shape)] as number;
  });
}

/** NumPy matmul: 1-d operands become a row / column that is removed afterwards. */
export function matmulRef(a: Ref, b: Ref): Ref {
  const A = a.shape.length === 1 ? { shape: [1, ...a.shape], data: a.data } : a;
  const B = b.shape.length === 1 ? { shape: [...b.shape, 1], data: b.data } : b;
  const [M, K] = A.shape.slice(-2) as [number, number];
  const N = B.shape[B.shape.length - 1] as number;
  const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const out = build([...batch, M, N], (idx) => {
    const bi = idx.slice(0, -2);
    const [i, j] = idx.slice(-2) as [number, number];
    let s = 0;
    for (let k = 0; k < K; k++) s += at(A, [...bi, i, k]) * at(B, [...bi, k, j]);
    return s;
  });
  const shape = [...batch];
  if (a.shape.length > 1) shape.push(M);
  if (b.shape.length > 1) shape.push(N);
  return { shape, data: out.data };
}

/** Applies `f` to each 1-d lane along `axis` (f returns a lane of the same length). */
export function alongAxis(x: Ref, axis: number, f: (lane: number[]) => number[]): Ref {
  const ax = normAxis(axis, x.shape.length);
  const data = [...x.data];
  const n = x.shape[ax] as number;
  const stride = stridesOf(x.shape)[ax] as number;
  for (let i = 0; i < data.length; i++) {
    if (unravel(i, x.shape)[ax] !== 0) continue;
    const lane = Array.from({ length: n }, (_, k) => x.data[i + k * stride] as number);
    f(lane).forEach((v, k) => {
      data[i + k * stride] = v;
    });
  }
  return { shape: [...x.shape], data };
}

// ---- scalar functions ------------------------------------------------------------------------

/**
 * erf by its Maclaurin series Σ (-1)^n x^(2n+1) / (n! (2n+1)) · 2/√π (A&S 7.1.5), a different
 * route from the library's kernel. Alternating terms lose ~2 digits at |x| = 3: fine for 1e-10.
 */
export function erfRef(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let term = x; // x^(2n+1) (-1)^n / n!
  let total = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    total += add;
    if (Math.abs(add) < 1e-18) break;
  }
  return (2 / Math.sqrt(Math.PI)) * total;
}

export const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));
export const geluErfRef = (x: number): number => 0.5 * x * (1 + erfRef(x / Math.SQRT2));
/** GPT-2's tanh approximation of GELU (Hendrycks & Gimpel 2016, eq. in section 2). */
export const geluTanhRef = (x: number): number =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
export const softplusRef = (x: number): number => Math.log1p(Math.exp(x));

/** float -> int32: truncate toward zero, saturate, NaN -> 0 (the library's documented cast). */
export function toInt32Ref(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, Math.trunc(x)));
}
