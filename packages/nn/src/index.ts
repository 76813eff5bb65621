/**
 * @webgrad/nn: modules, layers, losses, optimizers, safetensors checkpoints and a tiny GPT.
 * @example
 *   import { GPT, AdamW, crossEntropy } from '@webgrad/nn';
 *   const model = new GPT({ vocabSize: 16, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 32, seed: 0 });
 *   const opt = new AdamW(model.parameters(), { lr: 3e-4 });
 * @module @webgrad/nn
 */
export { type AttentionOptions, CausalSelfAttention, KVCache } from './attention.js';
export { Batches, type BatchOptions, batchIndices, shuffledIndices } from './data.js';
export { Dropout } from './dropout.js';
export { Embedding } from './embedding.js';
export { functionalCall } from './functional.js';
export { type CausalLM, type GenerateOptions, generate } from './generate.js';
export { Block, GPT, type GPTConfig } from './gpt.js';
export {
  fromHFGPT2StateDict,
  gptConfigFromHF,
  gptConfigToHF,
  type LoadGPT2Options,
  loadGPT2,
  saveGPT2,
  toHFGPT2StateDict,
} from './gpt2.js';
export * from './init.js';
export { Linear, type LinearOptions } from './linear.js';
export { type CrossEntropyOptions, crossEntropy, mseLoss, type Reduction } from './loss.js';
export {
  type BceWithLogitsOptions,
  bceWithLogits,
  huberLoss,
  l1Loss,
  type NllLossOptions,
  nllLoss,
} from './losses.js';
export { MLP, type MLPOptions } from './mlp.js';
export { Module, parameter, type Slot, type StateDict } from './module.js';
export { LayerNorm, RMSNorm } from './norm.js';
export { Adam, type AdamOptions, AdamW } from './optim/adam.js';
export { clipGradNorm } from './optim/clip.js';
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamState,
  type Params,
} from './optim/optimizer.js';
export { cosine, linearWarmup } from './optim/schedules.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { flattenOptimizerState, unflattenOptimizerState } from './optim/state-io.js';
export { loadSafetensors, readSafetensorsMetadata, saveSafetensors } from './safetensors.js';
export {
  FILE_DTYPES,
  type FileDType,
  f32ToBF16Bits,
  f32ToF16Bits,
  type HalfDType,
} from './safetensors-dtypes.js';
export {
  type HeaderEntry,
  MAX_HEADER_BYTES,
  type ParsedHeader,
  parseSafetensors,
  parseSafetensorsHeader,
  SafetensorsError,
  type SerializeOptions,
  serializeSafetensors,
} from './safetensors-format.js';
export {
  loadSafetensorsFromBlob,
  loadSafetensorsFromResponse,
  type ResponseLike,
  safetensorsBlob,
} from './safetensors-web.js';
export { Sequential, type SequentialStep } from './sequential.js';
