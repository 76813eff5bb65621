/**
 * The training workloads of `pnpm bench training`, defined once and handed to every library as
 * the same numbers: shapes, deterministic initial parameters (by webgrad's parameter names) and
 * batches. Each library's version (webgrad.ts, tfjs.ts, jaxjs.ts) builds its step from these.
 */

/** An MLP classifier step: relu hidden layers, softmax cross-entropy, plain SGD. */
export interface MlpSpec {
  name: string;
  sizes: readonly number[];
  batch: number;
  lr: number;
}

/** A GPT training step (our nn.GPT: pre-norm blocks, tanh GELU, tied head), AdamW. */
export interface GptSpec {
  name: string;
  vocab: number;
  ctx: number;
  layers: number;
  heads: number;
  width: number;
  batch: number;
  lr: number;
  weightDecay: number;
}

export const MLP: MlpSpec = {
  name: 'MLP 784-256-256-10, batch 128, SGD',
  sizes: [784, 256, 256, 10],
  batch: 128,
  lr: 0.01,
};

/** examples/tiny-transformer's default model and batch (13-character vocabulary, context 11). */
export const TINY_GPT: GptSpec = {
  name: 'tiny GPT (2 layers, width 32, context 11, batch 64), AdamW',
  vocab: 13,
  ctx: 11,
  layers: 2,
  heads: 4,
  width: 32,
  batch: 64,
  lr: 3e-3,
  weightDecay: 0.01,
};

export const WIDE_GPT: GptSpec = {
  name: 'wide GPT (4 layers, width 128, context 32, batch 32), AdamW',
  vocab: 13,
  ctx: 32,
  layers: 4,
  heads: 4,
  width: 128,
  batch: 32,
  lr: 3e-3,
  weightDecay: 0.01,
};

export interface Param {
  shape: number[];
  data: Float32Array;
}

/** Deterministic values in [-scale, scale] (no RNG shared between libraries needed). */
function wave(n: number, seed: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => scale * Math.sin(seed * 12.9898 + i * 78.233));
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function param(shape: number[], seed: number, scale: number, fill?: number): Param {
  return {
    shape,
    data: fill === undefined ? wave(size(shape), seed, scale) : new Float32Array(size(shape)).fill(fill),
  };
}

/** MLP weights as Linear stores them: `layers.i.weight` [out, in], `layers.i.bias` [out]. */
export function mlpParams(spec: MlpSpec): Record<string, Param> {
  const out: Record<string, Param> = {};
  for (let i = 0; i + 1 < spec.sizes.length; i++) {
    const [n, m] = [spec.sizes[i] as number, spec.sizes[i + 1] as number];
    out[`layers.${i}.weight`] = param([m, n], i + 1, 1 / Math.sqrt(n));
    out[`layers.${i}.bias`] = param([m], i + 11, 0.01);
  }
  return out;
}

export function mlpBatch(spec: MlpSpec): { x: Float32Array; labels: Int32Array } {
  const classes = spec.sizes[spec.sizes.length - 1] as number;
  const labels = Int32Array.from({ length: spec.batch }, (_, i) => (i * 7) % classes);
  return { x: wave(spec.batch * (spec.sizes[0] as number), 99, 1), labels };
}

/** GPT parameters by webgrad's names (nn.GPT with tied weights), GPT-2-like scales. */
export function gptParams(s: GptSpec): Record<string, Param> {
  const C = s.width;
  const out: Record<string, Param> = {
    'wte.weight': param([s.vocab, C], 1, 0.02),
    'wpe.weight': param([s.ctx, C], 2, 0.02),
  };
  for (let l = 0; l < s.layers; l++) {
    const b = `blocks.${l}`;
    const k = 10 * (l + 1);
    out[`${b}.ln1.weight`] = param([C], 0, 0, 1);
    out[`${b}.ln1.bias`] = param([C], 0, 0, 0);
    out[`${b}.attn.cAttn.weight`] = param([3 * C, C], k + 1, 0.02);
    out[`${b}.attn.cAttn.bias`] = param([3 * C], k + 2, 0.01);
    out[`${b}.attn.cProj.weight`] = param([C, C], k + 3, 0.02);
    out[`${b}.attn.cProj.bias`] = param([C], k + 4, 0.01);
    out[`${b}.ln2.weight`] = param([C], 0, 0, 1);
    out[`${b}.ln2.bias`] = param([C], 0, 0, 0);
    out[`${b}.mlp.cFc.weight`] = param([4 * C, C], k + 5, 0.02);
    out[`${b}.mlp.cFc.bias`] = param([4 * C], k + 6, 0.01);
    out[`${b}.mlp.cProj.weight`] = param([C, 4 * C], k + 7, 0.02);
    out[`${b}.mlp.cProj.bias`] = param([C], k + 8, 0.01);
  }
  out['lnF.weight'] = param([C], 0, 0, 1);
  out['lnF.bias'] = param([C], 0, 0, 0);
  return out;
}

export function gptBatch(s: GptSpec): { idx: Int32Array; targets: Int32Array } {
  const n = s.batch * s.ctx;
  return {
    idx: Int32Array.from({ length: n }, (_, i) => (i * 5 + 3) % s.vocab),
    targets: Int32Array.from({ length: n }, (_, i) => (i * 3 + 1) % s.vocab),
  };
}

/** AdamW's constants, the same in every library (betas as PyTorch's defaults). */
export const ADAM = { b1: 0.9, b2: 0.999, eps: 1e-8 };

/** One training step of a library: runs it and resolves to the loss (read back). */
export type Step = () => Promise<number>;
