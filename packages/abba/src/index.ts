/**
 * @webgrad/abba: parameter-efficient adapters for @webgrad/nn models: ABBA (arXiv 2505.14238),
 * with LoRA and HiRA as baselines behind the same interface.
 * @example
 *   import { applyAdapter, merge, saveAdapter } from '@webgrad/abba';
 *   const summary = await applyAdapter(gpt, { method: 'abba', targetModules: ['cAttn', 'cProj', 'cFc'], r: 16 });
 *   // train the adapter parameters (gpt.parameters() with requiresGrad) ...
 *   await saveAdapter(gpt, 'out/adapter');
 * @module @webgrad/abba
 */
export { type ABBACreateOptions, ABBALinear, type ABBAOptions } from './abba.js';
export { CONFIG_FILE, loadAdapter, type SaveAdapterOptions, saveAdapter, WEIGHTS_FILE } from './adapter-io.js';
export { AdapterLayer, type AdapterLayerOptions } from './adapter-layer.js';
export {
  type AbbaA2Init,
  type AbbaImpl,
  type AbbaInit,
  type AbbaScaling,
  type AdapterConfig,
  type AdapterMethod,
  matchesTarget,
  moduleConfig,
  patternValue,
  type ResolvedConfig,
  resolveConfig,
  scalingOf,
  type TargetModules,
} from './config.js';
export { type AdapterFormat, type AdapterFormatName, FORMATS } from './formats/index.js';
export { HiRALinear, type HiRAOptions } from './hira.js';
export {
  type AdapterSummary,
  adapterConfigOf,
  adapterLayers,
  applyAdapter,
  countParameters,
  type ModuleSummary,
} from './inject.js';
export {
  type AbbaFactors,
  abbaDeltaFused,
  abbaDeltaNaive,
  abbaDeltaPlain,
  abbaDeltaWeight,
  columnKhatriRao,
  rowKhatriRao,
} from './khatri-rao.js';
export { LoRALinear, type LoRAOptions } from './lora.js';
export { merge, mergeAndUnload, unmerge } from './merge.js';
