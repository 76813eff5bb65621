/** Autoregressive sampling from a GPT with a KV cache: temperature, top-k, greedy, seeded. */
import { noGrad } from '@webgrad/autograd';
import { type Device, rand, type Tensor, TensorError, tensor, tidy } from '@webgrad/tensor';
import type { KVCache } from './attention.js';
import { subSeed } from './init.js';

/** Options of `generate`: how many tokens, and how to sample them. */
export interface GenerateOptions {
  maxNewTokens: number;
  /** Divides the logits; 0 means greedy (argmax, ties to the lowest id). Default 1. */
  temperature?: number;
  /** Sample only among the k most likely tokens. */
  topK?: number;
  /** Seeds the sampling; omitted: `manualSeed`'s sequence. */
  seed?: number;
}

/** What `generate` needs of a model (GPT implements it). */
export interface CausalLM {
  readonly config: { readonly blockSize: number; readonly vocabSize: number };
  /** One fresh KV cache per attention layer. */
  newCaches(): KVCache[];
  /** Its parameters (their device is where `generate` puts the tokens). */
  parameters(): Tensor[];
  /** Logits [B, T, vocabSize] for token ids [B, T], using and extending `caches`. */
  forward(idx: Tensor, opts?: { caches?: KVCache[] }): Tensor;
}

/**
 * Extends each row of `prompt` by `maxNewTokens` sampled tokens and returns prompt + new tokens
 * (number[] for a number[] prompt; int32 [B, T + n] for a [B, T] tensor; 1-d for 1-d). Runs
 * under noGrad; the model's mode is not changed, so call `model.eval()` first if it has dropout.
 * Each step feeds only the new token, reusing cached keys/values; when the context reaches
 * blockSize each step re-reads the last blockSize tokens without a cache (nanoGPT's cropping).
 * @example await generate(gpt, [1, 2, 3], { maxNewTokens: 10, temperature: 0 })
 */
export async function generate(model: CausalLM, prompt: number[], opts: GenerateOptions): Promise<number[]>;
export async function generate(model: CausalLM, prompt: Tensor, opts: GenerateOptions): Promise<Tensor>;
export async function generate(
  model: CausalLM,
  prompt: number[] | Tensor,
  opts: GenerateOptions,
): Promise<number[] | Tensor> {
  const { maxNewTokens, temperature = 1, topK, seed } = opts;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0)
    throw new TensorError('value', `generate: maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
  if (!(temperature >= 0)) throw new TensorError('value', `generate: temperature must be >= 0, got ${temperature}`);
  const rows = await promptRows(prompt);
  if (rows.some((r) => r.length === 0))
    throw new TensorError('value', 'generate: the prompt must hold at least one token');
  const { blockSize, vocabSize } = model.config;
  let caches = model.newCaches();
  const device = model.parameters()[0]?.device;
  const logitsOf = (ids: number[][]) => tidy(() => noGrad(() => lastLogits(model, ids, caches, device)));
  try {
    let last = logitsOf(rows.map((r) => r.slice(-blockSize)));
    for (let step = 0; step < maxNewTokens; step++) {
      const logits = await last.data();
      last.dispose();
      const u = temperature > 0 ? await drawUniforms(rows.length, subSeed(seed, step)) : undefined;
      rows.forEach((r, b) => {
        r.push(pick(logits.subarray(b * vocabSize, (b + 1) * vocabSize), temperature, topK, u?.[b]));
      });
      if (step === maxNewTokens - 1) break;
      if ((caches[0]?.length ?? 0) < blockSize) {
        last = logitsOf(rows.map((r) => r.slice(-1)));
      } else {
        for (const c of caches) c.dispose();
        caches = model.newCaches();
        last = logitsOf(rows.map((r) => r.slice(-blockSize)));
      }
    }
  } finally {
    for (const c of caches) c.dispose();
  }
  if (Array.isArray(prompt)) return rows[0] as number[];
  const out = tensor(rows.flat(), {
    dtype: 'int32',
    device: prompt.device,
    shape: [rows.length, rows[0]?.length ?? 0],
  });
  return prompt.ndim === 1 ? out.reshape([-1]) : out;
}

async function promptRows(prompt: number[] | Tensor): Promise<number[][]> {
  if (Array.isArray(prompt)) return [[...prompt]];
  if (prompt.dtype !== 'int32' || (prompt.ndim !== 1 && prompt.ndim !== 2))
    throw new TensorError(
      'dtype',
      `generate: prompt must be int32 [T] or [B, T], got [${prompt.shape.join(', ')}] ${prompt.dtype}`,
    );
  const data = Array.from(await prompt.data());
  const T = prompt.shape[prompt.ndim - 1] as number;
  return Array.from({ length: data.length / Math.max(T, 1) }, (_, b) => data.slice(b * T, (b + 1) * T));
}

/** Logits of the last position of each row [B, vocabSize], feeding `ids` after the cache. */
function lastLogits(model: CausalLM, ids: number[][], caches: KVCache[], device: Device | undefined): Tensor {
  const T = ids[0]?.length ?? 0;
  const idx = tensor(ids.flat(), { dtype: 'int32', device, shape: [ids.length, T] }); // [B, T]
  const logits = model.forward(idx, { caches }); // [B, T, V]
  return logits
    .slice(null, [T - 1, T])
    .reshape([ids.length, -1])
    .contiguous(); // [B, V]
}

async function drawUniforms(n: number, seed: number | undefined): Promise<Float64Array> {
  const u = rand([n], { dtype: 'float64', seed });
  try {
    return (await u.data()) as Float64Array;
  } finally {
    u.dispose();
  }
}

/** One token from a row of logits: argmax at temperature 0, else inverse-CDF sampling with `u`. */
function pick(logits: ArrayLike<number>, temperature: number, topK: number | undefined, u = 0): number {
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
    return best;
  }
  let cut = Number.NEGATIVE_INFINITY;
  if (topK !== undefined && topK < logits.length) {
    if (!(topK >= 1)) throw new TensorError('value', `generate: topK must be >= 1, got ${topK}`);
    cut = Array.from(logits).sort((a, b) => b - a)[topK - 1] as number;
  }
  const max = Array.from(logits).reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const w = Array.from(logits, (l) => (l >= cut ? Math.exp((l - max) / temperature) : 0));
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < w.length; i++) {
    acc += (w[i] as number) / total;
    if (u < acc) return i;
  }
  return w.findLastIndex((x) => x > 0);
}
