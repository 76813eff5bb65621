/**
 * The planted per-layer shifts dW* of the task y = f(x; W0 + dW*). Every arm has
 *   ||dW*||_F = SHIFT_SIZE ||W0||_F,
 * and a spectrum chosen to favour a different adapter:
 * - `P` (primary): U diag(sigma) V^T with sigma_k ∝ k^(-1/2) over all min(m, n) directions and
 *   random orthonormal U, V: full rank, no low-rank shortcut (stable rank about 128 / ln 128 ≈ 24).
 * - `L`: U_4 V_4^T, four equal singular values: exactly a LoRA update of rank 4 (LoRA-native).
 * - `H`: W0 ⊙ (B A) with Gaussian B [m, 8], A [8, n]: exactly a HiRA update of rank 8.
 * - `A`: (B1 A1) ⊙ (B2 A2) with Gaussian inner ranks 4 and 4: exactly an ABBA update at
 *   r1 = r2 = 4 (rank up to 16, arXiv 2505.14238 Theorem 1).
 * For P and L the normalisation is the U diag(sigma) V^T / ||sigma|| (||U diag(sigma) V^T||_F
 * = ||sigma|| for orthonormal U, V); for H and A the structured matrix M is scaled by 1 / ||M||_F.
 */
import { randn, svd, type Tensor, tensor, tidyAsync } from '@webgrad/tensor';

export const ARMS = ['P', 'L', 'H', 'A'] as const;
export type Arm = (typeof ARMS)[number];

/** ||dW*||_F / ||W0||_F for every arm and layer. */
export const SHIFT_SIZE = 0.3;
/** Ranks of the structured arms. */
export const L_RANK = 4;
export const H_RANK = 8;
export const A_RANKS = [4, 4] as const;

export const ARM_DESCRIPTION: Record<Arm, string> = {
  P: 'sigma_k ∝ k^-1/2 over all directions',
  L: 'flat rank 4 (LoRA-native)',
  H: 'W0 ⊙ (rank 8) (HiRA-native)',
  A: '(rank 4) ⊙ (rank 4) (ABBA-native)',
};

/** The stated sigma of arm P or L (before the norm is fixed), length k. */
export function armSpectrum(arm: 'P' | 'L', k: number): number[] {
  return Array.from({ length: k }, (_, i) => (arm === 'P' ? 1 / Math.sqrt(i + 1) : i < L_RANK ? 1 : 0));
}

/** An m x k matrix with orthonormal columns: the left singular vectors of a Gaussian. */
async function orthonormal(m: number, k: number, seed: number): Promise<Tensor> {
  const { u, s, v } = await svd(randn([m, k], { seed, dtype: 'float64' }));
  s.dispose();
  v.dispose();
  return u;
}

/**
 * dW* for `arm` on a layer with frozen weight `w0` [m, n], float64, reproducible for `seed`
 * (one seed per layer: the caller derives it from the run seed and the layer index).
 * @example const d = await plantedShift('P', w0, 1); // ||d||_F = 0.3 ||w0||_F
 */
export async function plantedShift(arm: Arm, w0: Tensor, seed: number): Promise<Tensor> {
  const [m, n] = w0.shape as [number, number];
  const w = w0.cast('float64');
  const g = (shape: number[], k: number) => randn(shape, { seed: seed * 16 + k, dtype: 'float64' });
  const w0Norm = Math.sqrt(w.square().sum().dataSync()[0] as number);
  const out = await tidyAsync(async () => {
    let mat: Tensor;
    if (arm === 'P' || arm === 'L') {
      const k = arm === 'P' ? Math.min(m, n) : L_RANK;
      const sigma = armSpectrum(arm, k).slice(0, k);
      const u = await orthonormal(m, k, seed * 16 + 1);
      const v = await orthonormal(n, k, seed * 16 + 2);
      const norm = Math.sqrt(sigma.reduce((a, x) => a + x * x, 0));
      // U diag(sigma / ||sigma||) V^T: scale U's columns, then multiply by V^T.
      mat = u
        .mul(
          tensor(
            sigma.map((x) => x / norm),
            { dtype: 'float64' },
          ),
        )
        .matmul(v.mT);
    } else if (arm === 'H') {
      mat = w.mul(g([m, H_RANK], 3).matmul(g([H_RANK, n], 4)));
    } else {
      const [r1, r2] = A_RANKS;
      mat = g([m, r1], 5)
        .matmul(g([r1, n], 6))
        .mul(g([m, r2], 7).matmul(g([r2, n], 8)));
    }
    const norm = Math.sqrt(mat.square().sum().dataSync()[0] as number);
    return mat.mul((SHIFT_SIZE * w0Norm) / norm);
  });
  if (w !== w0) w.dispose(); // cast to the same dtype returns w0 itself
  return out;
}
