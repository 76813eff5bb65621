/**
 * Merging (LoRA §4.1: "no additional inference latency"): fold each adapter's dW into its base
 * weight, W = W0 + dW; unmerge puts the kept W0 back bit-exactly (it is restored, never
 * recomputed as W - dW, which would round); mergeAndUnload leaves a plain model.
 */
import type { Module } from '@webgrad/nn';
import { TensorError } from '@webgrad/tensor';
import { adapterLayers, forgetAdapterConfig, setSubmodule } from './inject.js';

function layersOf(op: string, model: Module) {
  const layers = adapterLayers(model);
  if (layers.length === 0)
    throw new TensorError('state', `${op}: the model has no adapter layers (call applyAdapter first)`);
  return layers;
}

/**
 * Raises when any adapter of `model` is merged: `op` would otherwise act on base weights that
 * still hold the old update (W0 + dW).
 */
export function checkNotMerged(op: string, model: Module): void {
  const merged = adapterLayers(model).filter(([, l]) => l.merged);
  if (merged.length > 0)
    throw new TensorError(
      'state',
      `${op}: the model's adapters are merged into its base weights (${merged.map(([p]) => p).join(', ')}), ` +
        'which would keep the old update; call unmerge(model) first (and merge(model) again afterwards if you want)',
    );
}

/**
 * Folds every adapter into its base weight; forward then runs the base layers only (in eval
 * mode: a merged model in training mode raises, since its adapters would get no gradient).
 * @example merge(model); const logits = model.forward(idx); unmerge(model);
 */
export function merge(model: Module): void {
  for (const [, layer] of layersOf('merge', model)) layer.merge();
}

/**
 * Restores every base weight to its pretrained W0 (bit-exact) and re-enables the adapter path.
 * @example unmerge(model);
 */
export function unmerge(model: Module): void {
  for (const [, layer] of layersOf('unmerge', model)) layer.unmerge();
}

/**
 * Merges every adapter and replaces each adapter layer by its base Linear (weight W0 + dW),
 * returning the model, now without adapters. Parameters keep their requiresGrad flags (the base
 * weights stay frozen: `model.requiresGrad(true)` to train them).
 * @example const plain = mergeAndUnload(model);
 */
export function mergeAndUnload<M extends Module>(model: M): M {
  for (const [path, layer] of layersOf('mergeAndUnload', model)) setSubmodule(model, path, layer.mergeAndUnload());
  forgetAdapterConfig(model);
  return model;
}
