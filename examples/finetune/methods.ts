/**
 * The four ways of adapting the pretrained GPT, at matched trainable-parameter budgets for the
 * three parameter-efficient ones (ABBA paper, arXiv 2505.14238, §4: ABBA r1 = r2 = r/2 against
 * LoRA/HiRA rank r, so that all three train r (m + n) parameters per adapted m x n weight):
 *
 * - `full`: every parameter of the model is trained (embeddings, norms, biases too);
 * - `lora`: dW = s B A, rank r (Hu et al., 2021);
 * - `lora2r`: LoRA at rank 2r, twice the budget: a reference row (does the task reward rank?);
 * - `hira`: dW = s W0 ⊙ (B A), rank r factors, high-rank update (Huang et al., 2025);
 * - `abba`: dW = s (B1 A1) ⊙ (B2 A2), r1 = r2 = r/2, rank(dW) <= r1 r2 (the paper's Eq. 2), SVD
 *   initialisation of B1 A1 (§3.4) and s = alpha / sqrt(r1 r2) (§3.3).
 *
 * The scale s is set directly per method (`DEFAULT_SCALE`, `--scale`) and turned into the library's
 * alpha here (LoRA / HiRA alpha = s r, ABBA alpha = s sqrt(r1 r2)), so that "s" means the same
 * multiplier of the update for every method.
 *
 * Targets: the attention's qkv and output projections and the MLP's two projections of every
 * block (`cAttn`, `cProj` (both), `cFc`), i.e. every Linear of the tiny GPT.
 */
import { type AbbaInit, applyAdapter } from '@webgrad/abba';
import type { GPT } from '@webgrad/nn';
import type { Tensor } from '@webgrad/tensor';
import { SELECTED } from './selected.js';

export type FtMethod = 'full' | 'lora' | 'hira' | 'abba' | 'lora2r';
export const FT_METHODS: readonly FtMethod[] = ['full', 'lora', 'hira', 'abba', 'lora2r'];

/** Adapted modules (suffix match on module paths): every Linear of each block. */
export const TARGET_MODULES = ['cAttn', 'cProj', 'cFc'] as const;

/**
 * Peak learning rates: the choice of the tuning run (`--tune`, validation set, tuning seed; see
 * README.md), frozen here before any test-set run; override with `--lr method=X`.
 */
export const DEFAULT_LR: Record<FtMethod, number> = { ...SELECTED.lr };

/** The adapter methods (those with a scale s). */
export type AdapterFtMethod = Exclude<FtMethod, 'full'>;

/**
 * Scale s of the update per adapter method: the tuning run's choice (`selected.ts`), from the same
 * grid for every adapter, s in s0 x {1, 4} with s0 calibrated per method (`tune.ts`); override with
 * `--scale method=X`. Why ABBA and HiRA need a larger s than LoRA: their update is multiplied by a
 * W0-sized factor (ABBA's SVD-initialised B1 A1, HiRA's W0; rms ~0.1 here), so at s = 1 an Adam step
 * moves dW ~10x less than a LoRA step at the same lr (`scale-check.ts`).
 */
export const DEFAULT_SCALE: Record<AdapterFtMethod, number> = { ...SELECTED.scale };

/** ABBA initialisation used unless `--abba-init` says otherwise (the paper's §3.4 default). */
export const DEFAULT_ABBA_INIT: AbbaInit = 'svd';

/** Per-run adapter settings: scale s (default `DEFAULT_SCALE`) and ABBA init (default 'svd'). */
export interface AdapterSettings {
  scale?: number;
  abbaInit?: AbbaInit;
}

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
    case 'lora2r':
      return `LoRA r=${2 * r}`;
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
  const rank = method === 'lora2r' ? 2 * r : r;
  return shapes.reduce((n, [m, k]) => n + rank * (m + k), 0);
}

/**
 * The label of a run: the method's, plus its scale s and a non-default ABBA init for adapters,
 * e.g. `ABBA r1=r2=4 s=4` or `ABBA r1=r2=4 s=1 init=lora`.
 */
export function runLabel(method: FtMethod, r: number, settings: AdapterSettings = {}): string {
  if (method === 'full') return methodLabel(method, r);
  const s = settings.scale ?? DEFAULT_SCALE[method];
  const init = settings.abbaInit ?? DEFAULT_ABBA_INIT;
  return `${methodLabel(method, r)} s=${s}${method === 'abba' && init !== DEFAULT_ABBA_INIT ? ` init=${init}` : ''}`;
}

/**
 * Makes `model` trainable the way `method` does (in place: adapters are injected, the rest frozen)
 * and returns the parameters to optimise. `r` is the LoRA-equivalent budget (even, for ABBA);
 * `scale` and `abbaInit` default to `DEFAULT_SCALE` and `DEFAULT_ABBA_INIT`.
 * @example const { params, trainable } = await prepareMethod(gpt, 'abba', { r: 8, seed: 0, scale: 4 });
 */
export async function prepareMethod(
  model: GPT,
  method: FtMethod,
  { r, seed, ...settings }: { r: number; seed: number } & AdapterSettings,
): Promise<Prepared> {
  const label = runLabel(method, r, settings);
  if (method === 'full') {
    model.requiresGrad(true);
    const params = model.parameters();
    const total = params.reduce((n, p) => n + p.size, 0);
    return { params, trainable: total, total, label };
  }
  const scale = settings.scale ?? DEFAULT_SCALE[method];
  // Library conventions (packages/abba/src/config.ts): LoRA / HiRA s = alpha / r; ABBA (paper §3.3)
  // s = alpha / sqrt(r1 r2) with r1 = r2 = r / 2.
  const rank = method === 'lora2r' ? 2 * r : r;
  const alpha = method === 'abba' ? scale * (r / 2) : scale * rank;
  const summary = await applyAdapter(model, {
    method: method === 'lora2r' ? 'lora' : method,
    targetModules: [...TARGET_MODULES],
    ...(method === 'abba' ? { r1: r / 2, r2: r / 2, init: settings.abbaInit ?? DEFAULT_ABBA_INIT } : { r: rank }),
    alpha,
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
