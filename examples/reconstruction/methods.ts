/**
 * The adapter parametrisations fitted by Adam (scale s = 1; see fit.ts), with their inits:
 * - ABBA (arXiv 2505.14238, Eq. 2): dW = (B1 A1) ⊙ (B2 A2), r1 = r2 = r / 2, so the same
 *   (r1 + r2)(m + n) = r (m + n) parameters as LoRA at rank r, but rank up to r1 r2 (Theorem 1).
 *   Inits: `svd` is §3.4's (the paper's best) carried over to a fit: B1 = U_r1 sqrt(S_r1),
 *   A1 = sqrt(S_r1) V_r1^T from the truncated SVD (the paper takes the SVD of W0; in a
 *   reconstruction the matrix holding the information is T, so we take T's), B2 = 0, A2
 *   Kaiming-uniform: dW = 0 at the start. `random`: all four factors N(0, σ²) with
 *   σ = (0.1)^(1/4) r_i^(-1/4), so each product B_i A_i has entries of RMS 0.1^(1/2) and dW of RMS 0.1.
 *   dW is formed by @webgrad/abba's `abbaDeltaWeight`.
 * - HiRA (Huang et al., ICLR 2025): dW = W0 ⊙ (B A), rank r factors, B = 0, A Kaiming-uniform.
 * - LoRA by Adam: dW = B A, B = 0, A Kaiming-uniform: a check of the optimiser, since its optimum
 *   is known exactly (truncated SVD, svd-baseline.ts).
 */
import { abbaDeltaWeight } from '@webgrad/abba';
import { kaimingUniform } from '@webgrad/nn';
import { randn, svd, type Tensor, tidyAsync, zeros } from '@webgrad/tensor';
import type { Parametrization } from './fit.js';

export type AbbaInit = 'svd' | 'random';
const DTYPE = 'float64' as const;

const kaimingA = (r: number, n: number, seed: number) =>
  kaimingUniform([r, n], { a: Math.sqrt(5), dtype: DTYPE, seed }); // U(-1/sqrt(n), 1/sqrt(n))

/**
 * ABBA's four factors for a target `t` at ranks r1, r2 with the given init.
 * @example const p = await abbaParametrization(t, 4, 4, 'svd', 0); p.delta(p.params).shape // [m, n]
 */
export async function abbaParametrization(
  t: Tensor,
  r1: number,
  r2: number,
  init: AbbaInit,
  seed: number,
): Promise<Parametrization> {
  const [m, n] = t.shape as [number, number];
  let params: Tensor[];
  if (init === 'svd') {
    params = await tidyAsync(async () => {
      const { u, s, v } = await svd(t);
      const root = s.slice([0, r1]).sqrt().reshape([1, r1]); // sqrt(S_r1)
      const b1 = u.slice(null, [0, r1]).mul(root).contiguous(); // U_r1 sqrt(S): [m, r1]
      const a1 = v.slice(null, [0, r1]).mul(root).mT.contiguous(); // sqrt(S) V_r1^T: [r1, n]
      return [b1, a1, zeros([m, r2], { dtype: DTYPE }), kaimingA(r2, n, seed)];
    });
  } else {
    const std = (r: number) => 0.1 ** 0.25 * r ** -0.25;
    params = [
      randn([m, r1], { seed: seed * 4 + 1, dtype: DTYPE, std: std(r1) }),
      randn([r1, n], { seed: seed * 4 + 2, dtype: DTYPE, std: std(r1) }),
      randn([m, r2], { seed: seed * 4 + 3, dtype: DTYPE, std: std(r2) }),
      randn([r2, n], { seed: seed * 4 + 4, dtype: DTYPE, std: std(r2) }),
    ];
  }
  return {
    label: `abba/${init}`,
    params,
    delta: ([b1, a1, b2, a2]) => abbaDeltaWeight({ b1: b1!, a1: a1!, b2: b2!, a2: a2! }, 1), // Eq. 2
  };
}

/**
 * HiRA at rank r: dW = W0 ⊙ (B A), B = 0, A Kaiming-uniform.
 * @example hiraParametrization(w0, 8, 0).delta(...).shape // [m, n]
 */
export function hiraParametrization(w0: Tensor, r: number, seed: number): Parametrization {
  const [m, n] = w0.shape as [number, number];
  return {
    label: 'hira',
    params: [zeros([m, r], { dtype: DTYPE }), kaimingA(r, n, seed)],
    delta: ([b, a]) => w0.mul(b!.matmul(a!)),
  };
}

/**
 * LoRA at rank r fitted by Adam: dW = B A, B = 0, A Kaiming-uniform.
 * @example loraParametrization(64, 64, 8, 0).params.length // 2
 */
export function loraParametrization(m: number, n: number, r: number, seed: number): Parametrization {
  return {
    label: 'lora-adam',
    params: [zeros([m, r], { dtype: DTYPE }), kaimingA(r, n, seed)],
    delta: ([b, a]) => b!.matmul(a!),
  };
}
