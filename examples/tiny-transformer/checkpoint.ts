/** The checkpoint: model weights as safetensors, with config, tokenizer and results as metadata. */
import { GPT, type GPTConfig, loadSafetensors, readSafetensorsMetadata, saveSafetensors } from '@webgrad/nn';
import type { Device } from '@webgrad/tensor';
import type { ArithArgs } from './args.js';
import { CONTEXT_LEN } from './batch.js';
import { CharTokenizer } from './tokenizer.js';

/** How the addition task is written, recorded in every checkpoint's metadata. */
export const ADDITION_FORMAT = 'aaa+bbb=ssss, operands zero-padded, sum zero-padded to 4 digits and reversed';

/**
 * The GPT config of the arithmetic recipe: the model-size fields of `args`, the tokenizer's
 * vocabulary, the task's fixed context length, no dropout.
 * @example new GPT(arithConfig(DEFAULTS, new CharTokenizer(), 'cpu', 0));
 */
export function arithConfig(
  args: Pick<ArithArgs, 'nLayer' | 'nHead' | 'nEmbd' | 'gelu'>,
  tok: CharTokenizer,
  device: Device,
  seed: number,
): GPTConfig {
  const { nLayer, nHead, nEmbd, gelu } = args;
  return { vocabSize: tok.vocabSize, blockSize: CONTEXT_LEN, nLayer, nHead, nEmbd, gelu, dropout: 0, device, seed };
}

/** Metadata values are strings (safetensors' `__metadata__` is a string map); objects go in as JSON. */
export interface CheckpointInfo {
  /** The GPT config, without dtype, device and seed (the loader chooses the device). */
  config: GPTConfig;
  tokenizer: CharTokenizer;
  /** Anything else worth keeping next to the weights: accuracy, steps, task format. */
  extra?: Record<string, string | number>;
}

/**
 * Writes `model`'s state dict to `path` with `{ format, config, tokenizer, ...extra }` metadata.
 * @example await saveCheckpoint('out/model.safetensors', model, { config, tokenizer: tok });
 */
export async function saveCheckpoint(path: string, model: GPT, info: CheckpointInfo): Promise<void> {
  const { dtype: _d, device: _v, seed: _s, ...config } = info.config;
  const extra = Object.fromEntries(Object.entries(info.extra ?? {}).map(([k, v]) => [k, String(v)]));
  await saveSafetensors(path, model.stateDict(), {
    ...extra,
    format: 'webgrad-gpt',
    config: JSON.stringify(config),
    tokenizer: JSON.stringify(info.tokenizer.toJSON()),
  });
}

/**
 * Rebuilds the GPT from the metadata's config, loads the weights (strictly: every name and shape
 * must match) and returns it in eval mode with its tokenizer and the raw metadata.
 */
export async function loadCheckpoint(
  path: string,
  device?: Device,
): Promise<{ model: GPT; tokenizer: CharTokenizer; metadata: Record<string, string> }> {
  const metadata = await readSafetensorsMetadata(path);
  if (metadata.format !== 'webgrad-gpt' || !metadata.config || !metadata.tokenizer)
    throw new Error(`loadCheckpoint: ${path} is not a webgrad GPT checkpoint (metadata lacks format/config/tokenizer)`);
  const config = JSON.parse(metadata.config) as GPTConfig;
  const model = new GPT({ ...config, device, seed: 0 });
  const weights = await loadSafetensors(path, { device });
  model.loadStateDict(weights);
  for (const t of Object.values(weights)) t.dispose();
  model.eval();
  return { model, tokenizer: CharTokenizer.fromJSON(JSON.parse(metadata.tokenizer)), metadata };
}
