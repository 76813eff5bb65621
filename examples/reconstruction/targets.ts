/**
 * Synthetic target matrices T (m x n) for the reconstruction experiment, and the frozen W0 that
 * HiRA needs. Every target is scaled to unit RMS entries (||T||_F = sqrt(m n)), so one Adam
 * learning rate suits them all; relative errors ||dW - T||_F / ||T||_F do not depend on the scale.
 *
 * Kinds (each documented with the spectrum or rank it is built to have; tests check them):
 * - `gaussian`: i.i.d. N(0, 1) entries; a flat, Marchenko-Pastur spectrum (no low-rank structure).
 * - `lowrank-noise`: a rank-8 product of Gaussian factors plus Gaussian noise with 10% of its
 *   Frobenius norm: 8 large singular values over a noise floor.
 * - `decay-poly`: U diag(s) V^T with s_i = 1 / i (i = 1..min(m, n)), U, V random orthonormal.
 * - `decay-exp`: U diag(s) V^T with s_i = exp(-(i - 1) / 8), U, V random orthonormal.
 * - `hadamard`: (B1 A1) ⊙ (B2 A2) with Gaussian factors of inner rank 8 and 8 (arXiv 2505.14238,
 *   Eq. 2): rank up to 64 (Theorem 1), yet exactly an ABBA update at r1 = r2 = 8, i.e. budget
 *   r = 16. The case built for ABBA; it shows what Hadamard structure buys, not what is typical.
 */
import { randn, svd, type Tensor, tensor, tidyAsync } from '@webgrad/tensor';

export const SYNTHETIC_KINDS = ['gaussian', 'lowrank-noise', 'decay-poly', 'decay-exp', 'hadamard'] as const;
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

/** Rank of the signal in `lowrank-noise`, and its noise-to-signal Frobenius ratio. */
export const LOWRANK_RANK = 8;
export const LOWRANK_NOISE = 0.1;
/** Inner ranks of the two factor pairs in `hadamard`. */
export const HADAMARD_RANKS = [8, 8] as const;
/** e-folding length of the `decay-exp` spectrum. */
export const EXP_DECAY_LENGTH = 8;

/** One reconstruction problem: the target, the W0 HiRA multiplies, and a one-line description. */
export interface Target {
  kind: string;
  t: Tensor;
  w0: Tensor;
  description: string;
}

const DTYPE = 'float64' as const;

/** The stated singular values of the decaying kinds, before the unit-RMS rescaling. */
export function statedSpectrum(kind: 'decay-poly' | 'decay-exp', k: number): number[] {
  return Array.from({ length: k }, (_, i) => (kind === 'decay-poly' ? 1 / (i + 1) : Math.exp(-i / EXP_DECAY_LENGTH)));
}

/**
 * Scales `t` to unit RMS entries (||t||_F = sqrt(m n)); disposes `t`.
 * @example normalizeRms(randn([4, 4], { seed: 0 })) // ||.||_F = 4
 */
export function normalizeRms(t: Tensor): Tensor {
  const [m, n] = t.shape as [number, number];
  const norm = Math.sqrt(t.square().sum().dataSync()[0] as number);
  if (!(norm > 0)) throw new Error('normalizeRms: the matrix is zero');
  const out = t.mul(Math.sqrt(m * n) / norm);
  t.dispose();
  return out;
}

/** Random m x k and n x k matrices with orthonormal columns (left singular vectors of Gaussians). */
async function orthonormalPair(m: number, n: number, seed: number): Promise<[Tensor, Tensor]> {
  const k = Math.min(m, n);
  const fu = await svd(randn([m, k], { seed, dtype: DTYPE }));
  const fv = await svd(randn([n, k], { seed: seed + 1, dtype: DTYPE }));
  fu.s.dispose();
  fu.v.dispose();
  fv.s.dispose();
  fv.v.dispose();
  return [fu.u, fv.u];
}

/**
 * The target of `kind`, m x n, float64 on the CPU, unit RMS; reproducible for `seed`.
 * @example const t = await makeTarget('decay-poly', 64, 64, 0); // singular values ∝ 1 / i
 */
export async function makeTarget(kind: SyntheticKind, m: number, n: number, seed: number): Promise<Tensor> {
  const g = (shape: number[], k: number) => randn(shape, { seed: seed * 101 + k, dtype: DTYPE });
  return tidyAsync(async () => {
    switch (kind) {
      case 'gaussian':
        return normalizeRms(g([m, n], 0));
      case 'lowrank-noise': {
        const signal = normalizeRms(g([m, LOWRANK_RANK], 1).matmul(g([LOWRANK_RANK, n], 2)));
        const noise = normalizeRms(g([m, n], 3)).mul(LOWRANK_NOISE);
        return normalizeRms(signal.add(noise));
      }
      case 'decay-poly':
      case 'decay-exp': {
        const [u, v] = await orthonormalPair(m, n, seed * 101 + 4);
        const k = Math.min(m, n);
        const s = statedSpectrum(kind, k);
        const diag = u.mul(tensor(Float64Array.from(s), { dtype: DTYPE }).reshape([1, k])); // U diag(s): [m, k]
        return normalizeRms(diag.matmul(v.mT)); // [m, n]
      }
      case 'hadamard': {
        const [r1, r2] = HADAMARD_RANKS;
        const p1 = g([m, r1], 7).matmul(g([r1, n], 8));
        const p2 = g([m, r2], 9).matmul(g([r2, n], 10));
        return normalizeRms(p1.mul(p2)); // (B1 A1) ⊙ (B2 A2), Eq. 2
      }
    }
  });
}

/**
 * HiRA's frozen weight for synthetic targets: a Gaussian matrix (unit RMS) drawn independently of
 * the target, standing in for a pretrained W0 that has no relation to the update.
 */
export function makeW0(m: number, n: number, seed: number): Tensor {
  return normalizeRms(randn([m, n], { seed: seed * 101 + 50, dtype: DTYPE }));
}

/** One line per kind for the README and results.md. */
export const KIND_DESCRIPTIONS: Record<SyntheticKind, string> = {
  gaussian: 'i.i.d. N(0, 1) entries (flat spectrum)',
  'lowrank-noise': `rank-${LOWRANK_RANK} Gaussian product + noise at ${LOWRANK_NOISE * 100}% of its Frobenius norm`,
  'decay-poly': 'U diag(1/i) V^T, random orthonormal U, V',
  'decay-exp': `U diag(exp(-(i-1)/${EXP_DECAY_LENGTH})) V^T, random orthonormal U, V`,
  hadamard: `(B1 A1) ⊙ (B2 A2), Gaussian factors of inner ranks ${HADAMARD_RANKS.join(', ')} (exact ABBA at r = 16)`,
};
