/**
 * The LoRA baseline of the reconstruction experiment, solved exactly: the best rank-r
 * approximation of T in Frobenius norm is its truncated SVD (Eckart-Young-Mirsky), so LoRA's
 * optimal error at rank r is sqrt(Σ_{i>r} σ_i²) / sqrt(Σ_i σ_i²). Also: spectra and numerical rank.
 */
import { svd, type Tensor, tidyAsync } from '@webgrad/tensor';

/**
 * Singular values of a 2-d tensor, descending (one-sided Jacobi SVD in float64).
 * @example await singularValues(eye(3)) // [1, 1, 1]
 */
export async function singularValues(t: Tensor): Promise<number[]> {
  const { u, s, v } = await svd(t);
  u.dispose();
  v.dispose();
  const out = Array.from(await s.data(), Number);
  s.dispose();
  return out;
}

/**
 * The Eckart-Young bound: the relative Frobenius error of the best rank-r approximation, from the
 * full spectrum `sigma`.
 * @example eckartYoungError([4, 3], 1) // 3 / 5
 */
export function eckartYoungError(sigma: readonly number[], r: number): number {
  const sq = sigma.map((x) => x * x);
  const total = sq.reduce((a, b) => a + b, 0);
  const tail = sq.slice(r).reduce((a, b) => a + b, 0);
  return Math.sqrt(tail / total);
}

/**
 * Numerical rank: singular values above `tol` times the largest.
 * @example numericalRank([1, 1e-3, 1e-12]) // 2
 */
export function numericalRank(sigma: readonly number[], tol = 1e-8): number {
  const top = sigma[0] ?? 0;
  return sigma.filter((x) => x > tol * top).length;
}

/** ||a - b||_F / ||b||_F. */
export function relativeError(a: Tensor, b: Tensor): number {
  const num = a.sub(b).square().sum().dataSync()[0] as number;
  const den = b.square().sum().dataSync()[0] as number;
  return Math.sqrt(num / den);
}

export interface SvdFit {
  /** Measured ||U_r S_r V_r^T - T||_F / ||T||_F. */
  relErr: number;
  /** The same error from the spectrum alone (Eckart-Young); equal to relErr up to rounding. */
  bound: number;
  /** The full spectrum of T (descending). */
  sigma: number[];
}

/**
 * LoRA at rank r, optimally: dW = U_r diag(σ_1..σ_r) V_r^T from the thin SVD of `t`.
 * @example const { relErr, bound } = await loraSvdFit(target, 8);
 */
export async function loraSvdFit(t: Tensor, r: number): Promise<SvdFit> {
  return tidyAsync(async () => {
    const { u, s, v } = await svd(t);
    const sigma = Array.from(await s.data(), Number);
    const k = Math.min(r, sigma.length);
    const ur = u.slice(null, [0, k]); // [m, r]
    const vr = v.slice(null, [0, k]); // [n, r]
    const sr = s.slice([0, k]).reshape([1, k]);
    const fit = ur.mul(sr).matmul(vr.mT); // [m, n]
    return { relErr: relativeError(fit, t), bound: eckartYoungError(sigma, r), sigma };
  });
}
