/**
 * The four ways of adapting the pretrained GPT, at matched trainable-parameter budgets for the
 * three parameter-efficient ones (ABBA paper, arXiv 2505.14238, §4: ABBA r1 = r2 = r/2 against
 * LoRA/HiRA rank r, so that all three train r (m + n) parameters per adapted m x n weight):
 *
 * - `full`: every parameter of the model is trained (embeddings, norms, biases too);
 * - `lora`: dW = s B A, rank r (Hu et al., 2021);
 * - `hira`: dW = s W0 ⊙ (B A), rank r factors, high-rank update (Huang et al., 2025);
 * - `abba`: dW = s (B1 A1) ⊙ (B2 A2), r1 = r2 = r/2, rank(dW) <= r1 r2 (the paper's Eq. 2), SVD
 *   initialisation of B1 A1 (§3.4) and s = alpha / sqrt(r1 r2) (§3.3, alpha defaults to s = 1).
 *
 * Targets: the attention's qkv and output projections and the MLP's two projections of every
 * block (`cAttn`, `cProj` (both), `cFc`), i.e. every Linear of the tiny GPT.
 */
import { applyAdapter } from '@webgrad/abba';
import type { GPT } from '@webgrad/nn';
import type { Tensor } from '@webgrad/tensor';

export type FtMethod = 'full' | 'lora' | 'hira' | 'abba';
export const FT_METHODS: readonly FtMethod[] = ['full', 'lora', 'hira', 'abba'];

/** Adapted modules (suffix match on module paths): every Linear of each block. */
export const TARGET_MODULES = ['cAttn', 'cProj', 'cFc'] as const;

/**
 * Peak learning rates, from the sweep documented in README.md (seed 0, the default step budget);
 * override with `--lr method=X`.
 */
export const DEFAULT_LR: Record<FtMethod, number> = { full: 3e-2, lora: 3e-2, hira: 1e-1, abba: 3e-2 };

export interface Prepared {
  /** The parameters the optimiser updates. */
  params: Tensor[];
  trainable: number;
  total: number;
  /** e.g. `LoRA r=8` or `ABBA r1=r2=4`. */
  label: string;
}

/** Human-readable label of a method at LoRA-equivalent budget r. */
export function methodLabel(method: FtMethod, r: number): string {
  switch (method) {
    case 'full':
      return 'full fine-tuning';
    case 'lora':
      return `LoRA r=${r}`;
    case 'hira':
      return `HiRA r=${r}`;
    case 'abba':
      return `ABBA r1=r2=${r / 2}`;
  }
}

/**
 * Trainable parameters of a method at budget r without building anything: r (m + n) summed over
 * the adapted [m, n] weights (ABBA: (r1 + r2)(m + n) with r1 + r2 = r), or all of the model's.
 * @example expectedTrainable('lora', 8, [[96, 32]], 26240) // 1024
 */
export function expectedTrainable(
  method: FtMethod,
  r: number,
  shapes: readonly (readonly [number, number])[],
  modelParams: number,
): number {
  if (method === 'full') return modelParams;
  return shapes.reduce((n, [m, k]) => n + r * (m + k), 0);
}

/**
 * Makes `model` trainable the way `method` does (in place: adapters are injected, the rest frozen)
 * and returns the parameters to optimise. `r` is the LoRA-equivalent budget (even, for ABBA).
 * @example const { params, trainable } = await prepareMethod(gpt, 'abba', { r: 8, seed: 0 });
 */
export async function prepareMethod(
  model: GPT,
  method: FtMethod,
  { r, seed }: { r: number; seed: number },
): Promise<Prepared> {
  const label = methodLabel(method, r);
  if (method === 'full') {
    model.requiresGrad(true);
    const params = model.parameters();
    const total = params.reduce((n, p) => n + p.size, 0);
    return { params, trainable: total, total, label };
  }
  const summary = await applyAdapter(model, {
    method,
    targetModules: [...TARGET_MODULES],
    ...(method === 'abba' ? { r1: r / 2, r2: r / 2 } : { r }),
    dropout: 0,
    seed,
  });
  return {
    params: model.parameters().filter((p) => p.requiresGrad),
    trainable: summary.trainable,
    total: summary.total,
    label,
  };
}
