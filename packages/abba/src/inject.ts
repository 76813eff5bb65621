/**
 * applyAdapter: replace the target Linear modules of a model by adapter layers (PEFT's
 * `inject_adapter`), freeze everything else, and report trainable vs total parameters.
 */
import { Linear, type Module, subSeed } from '@webgrad/nn';
import { TensorError } from '@webgrad/tensor';
import { ABBALinear } from './abba.js';
import { AdapterLayer } from './adapter-layer.js';
import {
  type AdapterConfig,
  type AdapterMethod,
  matchesTarget,
  moduleConfig,
  type ResolvedConfig,
  resolveConfig,
} from './config.js';
import { HiRALinear } from './hira.js';
import { LoRALinear } from './lora.js';

/** Parameter counts of one adapted module. */
export interface ModuleSummary {
  /** Dotted module path, e.g. `blocks.0.attn.cAttn`. */
  name: string;
  /** [out, in] of the base weight. */
  shape: [number, number];
  /** Adapter parameters (trainable). */
  trainable: number;
  /** Base weight and bias plus adapter parameters. */
  total: number;
}

/** What `applyAdapter` did: the adapted modules and the trainable parameter counts. */
export interface AdapterSummary {
  method: AdapterMethod;
  modules: ModuleSummary[];
  /** Trainable parameters of the whole model after injection (the adapters). */
  trainable: number;
  /** All parameters of the whole model after injection. */
  total: number;
  /** 100 trainable / total. */
  percent: number;
}

const configs = new WeakMap<Module, ResolvedConfig>();

/** The resolved config `applyAdapter` used on `model`, or undefined. */
export function adapterConfigOf(model: Module): ResolvedConfig | undefined {
  return configs.get(model);
}

/** Records `config` as `model`'s adapter config (loadAdapter: the file's, not the init's). */
export function setAdapterConfig(model: Module, config: ResolvedConfig): void {
  configs.set(model, config);
}

/** Forgets `model`'s adapter config (after `mergeAndUnload`). */
export function forgetAdapterConfig(model: Module): void {
  configs.delete(model);
}

/**
 * Every adapter layer below `model` with its dotted path, depth first.
 * @example for (const [path, layer] of adapterLayers(model)) console.log(path, layer.method);
 */
export function adapterLayers(model: Module): [string, AdapterLayer][] {
  return model.namedModules().filter((e): e is [string, AdapterLayer] => e[1] instanceof AdapterLayer);
}

/** Replaces the submodule at dotted `path` (fields and array indices) below `root`. */
export function setSubmodule(root: Module, path: string, value: Module): void {
  const parts = path.split('.');
  let owner = root as unknown as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) owner = owner[p] as Record<string, unknown>;
  const last = parts[parts.length - 1] as string;
  if (!(owner[last] instanceof Object)) throw new TensorError('value', `setSubmodule: no module at '${path}'`);
  owner[last] = value;
}

async function makeLayer(base: Linear, c: ResolvedConfig, seed: number | undefined): Promise<AdapterLayer> {
  const common = { alpha: c.alpha, dropout: c.dropout, seed };
  switch (c.method) {
    case 'lora':
      return new LoRALinear(base, { ...common, r: c.r, useRsLora: c.useRsLora });
    case 'hira':
      return new HiRALinear(base, { ...common, r: c.r });
    case 'abba':
      return ABBALinear.create(base, {
        ...common,
        r1: c.r1,
        r2: c.r2,
        alpha2: c.alpha2,
        scaling: c.scaling,
        impl: c.impl,
        init: c.init,
        a2Init: c.a2Init,
        svdNiter: c.svdNiter,
      });
  }
}

/** Counts parameters of `model`: [trainable, total]. */
export function countParameters(model: Module): [number, number] {
  let trainable = 0;
  let total = 0;
  for (const [, p] of model.namedParameters()) {
    total += p.size;
    if (p.requiresGrad) trainable += p.size;
  }
  return [trainable, total];
}

/**
 * Replaces every Linear whose path matches `config.targetModules` by an adapter layer of
 * `config.method`, freezes all other parameters, and returns the parameter counts. Async because
 * ABBA's default SVD initialisation reads the base weights. Module i (in depth-first order) is
 * seeded with a seed derived from (config.seed, i).
 * @example
 *   const gpt = new GPT({ vocabSize: 16, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 32, seed: 0 });
 *   const summary = await applyAdapter(gpt, { method: 'abba', targetModules: ['cAttn', 'cProj', 'cFc'], r: 8 });
 *   console.log(summary.trainable, summary.total);
 */
export async function applyAdapter(model: Module, config: AdapterConfig): Promise<AdapterSummary> {
  const c = resolveConfig(config);
  if (configs.has(model) || adapterLayers(model).length > 0)
    throw new TensorError('state', 'applyAdapter: the model already has adapters; call mergeAndUnload(model) first');
  const linears = model.namedModules().filter((e): e is [string, Linear] => e[1] instanceof Linear && e[0] !== '');
  const targets = linears.filter(([path]) => matchesTarget(path, c.targetModules, c.excludeModules));
  if (targets.length === 0)
    throw new TensorError(
      'value',
      `applyAdapter: no Linear module matches targetModules ${String(c.targetModules)}; Linear modules are: ${linears.map(([p]) => p).join(', ') || '(none)'}`,
    );
  if (c.method === 'abba' && c.init === 'svd') {
    const small = targets.filter(([p, l]) => moduleConfig(c, p).r1 > Math.min(l.inFeatures, l.outFeatures));
    if (small.length > 0)
      throw new TensorError(
        'value',
        `applyAdapter: SVD init needs r1 <= min(out, in); ${small.map(([p, l]) => `r1 = ${moduleConfig(c, p).r1} is too large for ${p} [${l.outFeatures}, ${l.inFeatures}]`).join('; ')}`,
      );
  }
  model.requiresGrad(false);
  const modules: ModuleSummary[] = [];
  for (const [i, [path, base]] of targets.entries()) {
    const layer = await makeLayer(base, moduleConfig(c, path), subSeed(c.seed, i));
    setSubmodule(model, path, layer);
    const baseCount = base.weight.size + (base.bias?.size ?? 0);
    const trainable = layer.adapterParameterCount();
    modules.push({ name: path, shape: [base.outFeatures, base.inFeatures], trainable, total: baseCount + trainable });
  }
  configs.set(model, c);
  const [trainable, total] = countParameters(model);
  return { method: c.method, modules, trainable, total, percent: (100 * trainable) / total };
}
