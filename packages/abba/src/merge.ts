/**
 * Merging (LoRA §4.1: "no additional inference latency"): fold each adapter's dW into its base
 * weight, W = W0 + dW; unmerge puts the kept W0 back bit-exactly (it is restored, never
 * recomputed as W - dW, which would round); mergeAndUnload leaves a plain model.
 */
import type { Module } from '@webgrad/nn';
import { adapterLayers, forgetAdapterConfig, setSubmodule } from './inject.js';

function layersOf(op: string, model: Module) {
  const layers = adapterLayers(model);
  if (layers.length === 0) throw new Error(`${op}: the model has no adapter layers (call applyAdapter first)`);
  return layers;
}

/**
 * Folds every adapter into its base weight; forward then runs the base layers only.
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
