/** Singular spectra and the stable rank of weight matrices (reported for the base's W0s). */
import { svd, type Tensor } from '@webgrad/tensor';

/**
 * The singular values of a 2-d tensor, largest first (float64 Jacobi SVD on the CPU).
 * @example await singularValues(eye(3).mul(2)) // [2, 2, 2]
 */
export async function singularValues(w: Tensor): Promise<number[]> {
  const { u, s, v } = await svd(w.cast('float64'));
  const out = Array.from(await s.data(), Number);
  u.dispose();
  s.dispose();
  v.dispose();
  return out.sort((a, b) => b - a);
}

/**
 * Stable rank ||W||_F^2 / ||W||_2^2 = sum_k sigma_k^2 / sigma_1^2 (Rudelson & Vershynin, 2007):
 * between 1 (rank one) and rank(W) (flat spectrum), and insensitive to tiny singular values.
 * @example stableRank([1, 1, 0]) // 2
 */
export function stableRank(sigma: readonly number[]): number {
  const top = Math.max(...sigma.map(Math.abs));
  if (!(top > 0)) return 0;
  return sigma.reduce((acc, x) => acc + x * x, 0) / (top * top);
}

/**
 * The number of singular values needed for `fraction` of the squared Frobenius norm (energy).
 * @example energyRank([3, 1, 1, 1], 0.75) // 1
 */
export function energyRank(sigma: readonly number[], fraction: number): number {
  const sq = [...sigma].map((x) => x * x).sort((a, b) => b - a);
  const total = sq.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let k = 0; k < sq.length; k++) {
    acc += sq[k] as number;
    if (acc >= fraction * total * (1 - 1e-12)) return k + 1;
  }
  return sq.length;
}
