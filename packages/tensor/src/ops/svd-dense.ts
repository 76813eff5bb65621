/**
 * Dense float64 linear algebra on plain arrays, for svd.ts: a matrix is stored as a list of its
 * columns (each a Float64Array), the layout both Gram-Schmidt and one-sided Jacobi work on.
 * Not exported from the package; small matrices only (it runs on the CPU in plain JS).
 */

export type Columns = Float64Array[];

export function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) * (y[i] as number);
  return s;
}

/** y -= a * x */
function axpyNeg(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) - a * (x[i] as number);
}

/** Columns of W X for W row-major [m, n] and X = n-long columns. */
export function mulW(w: Float64Array, m: number, n: number, x: Columns): Columns {
  return x.map((col) => {
    const y = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0, r = i * n; j < n; j++, r++) s += (w[r] as number) * (col[j] as number);
      y[i] = s;
    }
    return y;
  });
}

/** Columns of W^T X for W row-major [m, n] and X = m-long columns. */
export function mulWt(w: Float64Array, m: number, n: number, x: Columns): Columns {
  return x.map((col) => {
    const y = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      const c = col[i] as number;
      for (let j = 0, r = i * n; j < n; j++, r++) y[j] = (y[j] as number) + c * (w[r] as number);
    }
    return y;
  });
}

/**
 * Orthonormalises `cols` in place by modified Gram-Schmidt, each column projected twice
 * ("twice is enough": Giraud, Langou & Rozložník 2005), so Q stays orthonormal to rounding even
 * when the columns are nearly dependent. A column that vanishes (the input had lower rank) is
 * replaced by a fresh vector from `fresh(i)`, orthonormalised the same way, so Q always has
 * orthonormal columns spanning at least the input's range.
 */
export function orthonormalize(cols: Columns, fresh: (i: number) => Float64Array): Columns {
  for (let i = 0; i < cols.length; i++) {
    let v = cols[i] as Float64Array;
    const before = Math.sqrt(dot(v, v));
    for (let attempt = 0; ; attempt++) {
      for (let pass = 0; pass < 2; pass++)
        for (let j = 0; j < i; j++) axpyNeg(dot(cols[j] as Float64Array, v), cols[j] as Float64Array, v);
      const norm = Math.sqrt(dot(v, v));
      // Relative to the norm before projection: what is left of a dependent column is rounding.
      if (norm > 1e-10 * before && norm > 0) {
        for (let k = 0; k < v.length; k++) v[k] = (v[k] as number) / norm;
        break;
      }
      if (attempt > 8) throw new Error('orthonormalize: cannot complete the basis');
      v = fresh(i * 16 + attempt);
      cols[i] = v;
    }
  }
  return cols;
}

export interface ThinSvd {
  /** Left singular vectors (columns of length rows), orthonormal. */
  u: Columns;
  s: number[];
  /** Right singular vectors (columns of length = number of input columns), orthonormal. */
  v: Columns;
}

/**
 * Thin SVD of a matrix given by `cols` (c columns of length r, c <= r) by one-sided Jacobi
 * (Hestenes 1958; Demmel & Veselić 1992): plane rotations applied to column pairs until all
 * columns are mutually orthogonal; then G V = U Σ, the column norms are the singular values.
 * Consumes `cols`. Singular values come out descending; `fresh` completes U where σ = 0.
 */
export function jacobiSvd(cols: Columns, fresh: (i: number) => Float64Array): ThinSvd {
  const c = cols.length;
  const g = cols;
  const v: Columns = Array.from({ length: c }, (_, i) => {
    const e = new Float64Array(c);
    e[i] = 1;
    return e;
  });
  const eps = 2 ** -52;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < c - 1; p++)
      for (let q = p + 1; q < c; q++) {
        const gp = g[p] as Float64Array;
        const gq = g[q] as Float64Array;
        const alpha = dot(gp, gp);
        const beta = dot(gq, gq);
        const gamma = dot(gp, gq);
        if (Math.abs(gamma) <= eps * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        // The rotation that zeroes the (p, q) entry of G^T G (Golub & Van Loan, Alg. 8.4.1 / 8.6.3).
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        rotate(gp, gq, cs, sn);
        rotate(v[p] as Float64Array, v[q] as Float64Array, cs, sn);
      }
    if (!rotated) break;
  }
  const norms = g.map((col) => Math.sqrt(dot(col, col)));
  const order = norms.map((_, i) => i).sort((i, j) => (norms[j] as number) - (norms[i] as number));
  const s = order.map((i) => norms[i] as number);
  const tiny = (s[0] ?? 0) * c * eps;
  const u = order.map((i) => {
    const col = g[i] as Float64Array;
    const n = norms[i] as number;
    // A zero column gives no direction: leave it zero and let orthonormalize fill it in.
    return n > tiny ? col.map((x) => x / n) : new Float64Array(col.length);
  });
  return { u: orthonormalize(u, fresh), s, v: order.map((i) => v[i] as Float64Array) };
}

function rotate(x: Float64Array, y: Float64Array, c: number, s: number): void {
  for (let k = 0; k < x.length; k++) {
    const a = x[k] as number;
    const b = y[k] as number;
    x[k] = c * a - s * b;
    y[k] = s * a + c * b;
  }
}
