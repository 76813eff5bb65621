/**
 * A GPT-2-style decoder-only transformer in one file, in dependency order (after nanoGPT's
 * model.py): config, Block, GPT. Layers come from attention.ts, mlp.ts, norm.ts.
 */
import { arange, type Device, type DType, type Tensor, TensorError } from '@webgrad/tensor';
import { CausalSelfAttention, KVCache } from './attention.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { type GenerateOptions, generate } from './generate.js';
import { normal, subSeed } from './init.js';
import { Linear } from './linear.js';
import { MLP } from './mlp.js';
import { Module } from './module.js';
import { LayerNorm } from './norm.js';

/** The shape of a GPT (nanoGPT's GPTConfig), with the why of each field inline. */
export interface GPTConfig {
  /** Number of distinct tokens: embedding rows and logits per position. */
  vocabSize: number;
  /** Longest context: rows of the position embedding and of the causal mask. */
  blockSize: number;
  /** Transformer blocks; depth buys composition (e.g. carrying in addition). */
  nLayer: number;
  /** Attention heads; nEmbd must divide by it (head size nEmbd / nHead). */
  nHead: number;
  /** Width of the residual stream. */
  nEmbd: number;
  /** Dropout everywhere; 0 is right for small models and data that does not overfit (nanoGPT). */
  dropout?: number;
  /** Biases in Linear and LayerNorm, as GPT-2; false is slightly faster and about as good. */
  bias?: boolean;
  /** Share the token embedding with the output head (Press & Wolf, 2017): fewer parameters. Default true. */
  tieWeights?: boolean;
  /** GELU form in the MLPs: 'none' (exact, erf; the default) or 'tanh' (GPT-2's approximation). */
  gelu?: 'none' | 'tanh';
  /** The eps of every LayerNorm (default 1e-5, GPT-2's `layer_norm_epsilon`). */
  layerNormEps?: number;
  dtype?: DType;
  device?: Device;
  /** Seeds every initial weight and dropout mask; omitted: `manualSeed`'s sequence. */
  seed?: number;
}

/** Pre-norm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)). */
export class Block extends Module {
  ln1: LayerNorm;
  attn: CausalSelfAttention;
  ln2: LayerNorm;
  mlp: MLP;

  constructor(config: GPTConfig, seed?: number) {
    super();
    const { nEmbd, nHead, blockSize, dropout = 0, bias = true, gelu, layerNormEps: eps, dtype, device } = config;
    this.ln1 = new LayerNorm(nEmbd, { bias, eps, dtype, device });
    this.attn = new CausalSelfAttention(nEmbd, nHead, {
      dropout,
      bias,
      blockSize,
      dtype,
      device,
      seed: subSeed(seed, 0),
    });
    this.ln2 = new LayerNorm(nEmbd, { bias, eps, dtype, device });
    this.mlp = new MLP(nEmbd, { dropout, bias, approximate: gelu, dtype, device, seed: subSeed(seed, 1) });
  }

  /** x [B, T, C] -> [B, T, C]. */
  forward(x: Tensor, cache?: KVCache): Tensor {
    const h = x.add(this.attn.forward(this.ln1.forward(x), cache)); // [B, T, C]
    return h.add(this.mlp.forward(this.ln2.forward(h))); // [B, T, C]
  }
}

/**
 * The language model: token + position embeddings, nLayer blocks, a final LayerNorm and a head
 * to vocabulary logits. Weights start as GPT-2's: N(0, 0.02), residual projections
 * N(0, 0.02 / sqrt(2 nLayer)) so the residual stream's variance does not grow with depth, zero biases.
 * @example
 *   const gpt = new GPT({ vocabSize: 16, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 32, seed: 0 });
 *   gpt.forward(tensor([[1, 2, 3]], { dtype: 'int32' })).shape // [1, 3, 16]
 */
export class GPT extends Module {
  readonly config: Readonly<GPTConfig>;
  wte: Embedding;
  wpe: Embedding;
  drop: Dropout;
  blocks: Block[];
  lnF: LayerNorm;
  lmHead: Linear | undefined; // undefined when tied: the head is wte.weight

  constructor(config: GPTConfig) {
    super();
    const {
      vocabSize,
      blockSize,
      nLayer,
      nEmbd,
      dropout = 0,
      bias = true,
      tieWeights = true,
      dtype,
      device,
      seed,
    } = config;
    for (const [k, v] of Object.entries({ vocabSize, blockSize, nLayer, nHead: config.nHead, nEmbd }))
      if (!Number.isInteger(v) || v <= 0)
        throw new TensorError('value', `GPT: config.${k} must be a positive integer, got ${v}`);
    this.config = { ...config };
    const o = { dtype, device };
    this.wte = new Embedding(vocabSize, nEmbd, o);
    this.wpe = new Embedding(blockSize, nEmbd, o);
    this.drop = new Dropout(dropout, { seed: subSeed(seed, 0) });
    this.blocks = Array.from({ length: nLayer }, (_, i) => new Block(config, subSeed(seed, 10 + i)));
    this.lnF = new LayerNorm(nEmbd, { bias, eps: config.layerNormEps, ...o });
    this.lmHead = tieWeights ? undefined : new Linear(nEmbd, vocabSize, { bias: false, ...o });
    this.initWeights(seed);
  }

  private initWeights(seed: number | undefined): void {
    const { nLayer, dtype, device } = this.config;
    let k = 1000;
    for (const [name, p] of this.namedParameters()) {
      const isWeight = name.endsWith('weight') && p.ndim === 2;
      const s = subSeed(seed, k++);
      if (isWeight) {
        const std = name.endsWith('cProj.weight') ? 0.02 / Math.sqrt(2 * nLayer) : 0.02;
        p.assign(normal(p.shape, { std, dtype, device, seed: s }));
      } else if (name.endsWith('.bias')) {
        p.assign(p.mul(0));
      }
    }
  }

  /** Fresh per-layer KV caches for incremental decoding with `forward(idx, { caches })`. */
  newCaches(): KVCache[] {
    return this.blocks.map(() => new KVCache());
  }

  /**
   * idx [B, T] int32 -> logits [B, T, vocabSize]. With `caches`, idx holds the positions after
   * the cached ones (their keys and values are appended to the caches).
   */
  forward(idx: Tensor, opts: { caches?: KVCache[] } = {}): Tensor {
    const { blockSize } = this.config;
    if (idx.ndim !== 2 || idx.dtype !== 'int32')
      throw new TensorError(
        'dtype',
        `GPT.forward: idx must be int32 [B, T], got [${idx.shape.join(', ')}] ${idx.dtype}`,
      );
    const T = idx.shape[1] as number;
    const past = opts.caches?.[0]?.length ?? 0;
    if (past + T > blockSize)
      throw new TensorError('shape', `GPT.forward: ${past} cached + ${T} tokens exceed blockSize ${blockSize}`);
    const pos = arange(past, past + T, 1, { dtype: 'int32', device: idx.device }); // [T]
    let x = this.drop.forward(this.wte.forward(idx).add(this.wpe.forward(pos))); // [B, T, C] + [T, C]
    this.blocks.forEach((block, i) => {
      x = block.forward(x, opts.caches?.[i]); // [B, T, C]
    });
    x = this.lnF.forward(x); // [B, T, C]
    if (this.lmHead) return this.lmHead.forward(x); // [B, T, vocabSize]
    const [B, , C] = x.shape as [number, number, number];
    // One 2-d product against the tied embedding: [B * T, C] @ [C, vocabSize].
    return x
      .reshape([B * T, C])
      .matmul(this.wte.weight.mT)
      .reshape([B, T, this.config.vocabSize]); // [B, T, vocabSize]
  }

  /**
   * Autoregressive sampling with the KV cache; see `generate` for the options.
   * @example const out = await gpt.generate([1, 2], { maxNewTokens: 5, temperature: 0 });
   */
  generate(prompt: number[], opts: GenerateOptions): Promise<number[]>;
  generate(prompt: Tensor, opts: GenerateOptions): Promise<Tensor>;
  generate(prompt: number[] | Tensor, opts: GenerateOptions): Promise<number[] | Tensor> {
    return generate(this, prompt as Tensor, opts);
  }
}
