/**
 * The methods, adapters on the two 128 x 128 hidden weights at budget r (m + n) = 256 r trainable
 * parameters per weight (the ABBA paper's matching, arXiv 2505.14238 §4), and the references:
 *
 * | key      | update                        | ranks               | parameters per weight |
 * | -------- | ----------------------------- | ------------------- | --------------------- |
 * | `lora`   | s B A                         | r                   | 256 r                 |
 * | `abba`   | s (B1 A1) ⊙ (B2 A2), SVD init | r1 = r2 = r / 2     | 256 r                 |
 * | `hira`   | s W0 ⊙ (B A)                  | r                   | 256 r                 |
 * | `lora2r` | s B A (reference)             | 2 r                 | 512 r                 |
 * | `abbaR`  | ABBA (reference)              | r1 = r2 = r         | 512 r                 |
 * | `full`   | dense dW (reference)          | -                   | 16,384                |
 *
 * s is the multiplier of the update for every adapter (alpha derived: LoRA / HiRA alpha = s r,
 * ABBA alpha = s sqrt(r1 r2) with the paper's rank scaling). ABBA uses the SVD init (§3.4) and the
 * authors' A2 init. Full fine-tuning trains only the two hidden weights (where the shift is), so
 * every method adapts the same two matrices and dW - dW* is comparable.
 */
import { type AdapterConfig, AdapterLayer, applyAdapter } from '@webgrad/abba';
import type { Linear } from '@webgrad/nn';
import type { Tensor } from '@webgrad/tensor';
import { type GeluMLP, HIDDEN_LAYERS, type HiddenLayer } from './mlp.js';

export const METHOD_KEYS = ['lora', 'abba', 'hira', 'lora2r', 'abbaR', 'full'] as const;
export type MethodKey = (typeof METHOD_KEYS)[number];
export type AdapterKey = Exclude<MethodKey, 'full'>;
export const ADAPTER_KEYS: readonly AdapterKey[] = ['lora', 'abba', 'hira', 'lora2r', 'abbaR'];

/**
 * Label of `key` at budget `r`.
 * @example methodLabel('abba', 16) // 'ABBA r1=r2=8'
 */
export function methodLabel(key: MethodKey, r: number): string {
  switch (key) {
    case 'lora':
      return `LoRA r=${r}`;
    case 'abba':
      return `ABBA r1=r2=${r / 2}`;
    case 'hira':
      return `HiRA r=${r}`;
    case 'lora2r':
      return `LoRA r=${2 * r}`;
    case 'abbaR':
      return `ABBA r1=r2=${r}`;
    case 'full':
      return 'full FT';
  }
}

/**
 * The adapter config of `key` at budget `r`, scale `s` and init `seed`.
 * @example adapterConfig('abba', 16, 2, 0) // { method: 'abba', r1: 8, r2: 8, alpha: 16, ... }
 */
export function adapterConfig(key: AdapterKey, r: number, s: number, seed: number): AdapterConfig {
  const common = { targetModules: [...HIDDEN_LAYERS], seed };
  switch (key) {
    case 'lora':
    case 'lora2r': {
      const rank = key === 'lora' ? r : 2 * r;
      return { ...common, method: 'lora', r: rank, alpha: s * rank };
    }
    case 'hira':
      return { ...common, method: 'hira', r, alpha: s * r };
    case 'abba':
    case 'abbaR': {
      const k = key === 'abba' ? r / 2 : r;
      return { ...common, method: 'abba', r1: k, r2: k, alpha: s * k, init: 'svd', a2Init: 'authors' };
    }
  }
}

export interface Prepared {
  params: Tensor[];
  trainable: number;
  /** dW per hidden layer (new tensors; the caller disposes them). */
  deltas(): Record<HiddenLayer, Tensor>;
  /** The frozen W0 per hidden layer. */
  w0: Record<HiddenLayer, Tensor>;
}

const linearOf = (model: GeluMLP, name: HiddenLayer) => (model as unknown as Record<string, Linear>)[name] as Linear;

/**
 * Makes `model` (a fresh copy of the base) trainable with method `key`.
 * @example const p = await prepare(model, 'lora', 16, 1, 0); new AdamW(p.params, ...)
 */
export async function prepare(model: GeluMLP, key: MethodKey, r: number, s: number, seed: number): Promise<Prepared> {
  if (key === 'full') {
    model.requiresGrad(false);
    const w0 = {} as Record<HiddenLayer, Tensor>;
    const params = HIDDEN_LAYERS.map((name) => {
      const w = linearOf(model, name).weight;
      w0[name] = w.clone();
      w.requiresGrad = true;
      return w;
    });
    const deltas = () =>
      Object.fromEntries(HIDDEN_LAYERS.map((n) => [n, linearOf(model, n).weight.sub(w0[n])])) as Record<
        HiddenLayer,
        Tensor
      >;
    return { params, trainable: params.reduce((a, p) => a + p.size, 0), deltas, w0 };
  }
  const summary = await applyAdapter(model, adapterConfig(key, r, s, seed));
  const layers = HIDDEN_LAYERS.map((n) => {
    const l = (model as unknown as Record<string, AdapterLayer>)[n];
    if (!(l instanceof AdapterLayer)) throw new Error(`prepare: ${n} was not adapted`);
    return l;
  });
  const w0 = Object.fromEntries(HIDDEN_LAYERS.map((n, i) => [n, layers[i]?.originalWeight])) as Record<
    HiddenLayer,
    Tensor
  >;
  const deltas = () =>
    Object.fromEntries(HIDDEN_LAYERS.map((n, i) => [n, (layers[i] as AdapterLayer).deltaWeight()])) as Record<
      HiddenLayer,
      Tensor
    >;
  return { params: model.parameters().filter((p) => p.requiresGrad), trainable: summary.trainable, deltas, w0 };
}
