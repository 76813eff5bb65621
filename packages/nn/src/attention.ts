/** Multi-head causal self-attention (Vaswani et al., 2017) with an optional KV cache. */
import { concat, type Device, type DType, keep, type Tensor, TensorError, tensor, where } from '@webgrad/tensor';
import { Dropout } from './dropout.js';
import { subSeed } from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

/**
 * Keys and values of the positions seen so far, one per attention layer, for incremental
 * decoding (inference: run it under noGrad, since appending disposes the previous keys and values).
 * Its tensors are kept out of `tidy` scopes; call `dispose()` when done.
 */
export class KVCache {
  k: Tensor | undefined; // [B, H, Tpast, D]
  v: Tensor | undefined; // [B, H, Tpast, D]

  /** Number of cached positions. */
  get length(): number {
    return this.k?.shape[2] ?? 0;
  }

  /** Appends this step's keys and values and returns the full ones. */
  append(k: Tensor, v: Tensor): [Tensor, Tensor] {
    const nk = this.k ? concat([this.k, k], 2) : k; // [B, H, Tpast + T, D]
    const nv = this.v ? concat([this.v, v], 2) : v;
    this.dispose();
    this.k = keep(nk);
    this.v = keep(nv);
    return [nk, nv];
  }

  /** Frees the cached keys and values. */
  dispose(): void {
    this.k?.dispose();
    this.v?.dispose();
    this.k = this.v = undefined;
  }
}

/** Options of `CausalSelfAttention`. */
export interface AttentionOptions {
  dropout?: number;
  bias?: boolean;
  /** Longest sequence (for the causal mask); default 1024. */
  blockSize?: number;
  dtype?: DType;
  device?: Device;
  seed?: number;
}

/** Logits of future positions get this before the softmax: exp(-1e30 - max) is exactly 0. */
const MASKED = -1e30;

/**
 * Causal self-attention: position t attends to positions <= t only. q, k, v come from one matmul
 * (cAttn, [C -> 3C]) and are split by views; heads are a reshape + transpose, not copies.
 * @example new CausalSelfAttention(16, 4).forward(randn([2, 5, 16])).shape // [2, 5, 16]
 */
export class CausalSelfAttention extends Module {
  cAttn: Linear;
  cProj: Linear;
  attnDropout: Dropout;
  residDropout: Dropout;
  declare mask: Tensor; // [blockSize, blockSize] bool, true on and below the diagonal
  readonly blockSize: number;

  constructor(
    readonly nEmbd: number,
    readonly nHead: number,
    opts: AttentionOptions = {},
  ) {
    super();
    if (nEmbd % nHead !== 0)
      throw new TensorError('shape', `CausalSelfAttention: nEmbd ${nEmbd} is not divisible by nHead ${nHead}`);
    const { dropout = 0, bias = true, blockSize = 1024, dtype, device, seed } = opts;
    this.blockSize = blockSize;
    this.cAttn = new Linear(nEmbd, 3 * nEmbd, { bias, dtype, device, seed: subSeed(seed, 0) });
    this.cProj = new Linear(nEmbd, nEmbd, { bias, dtype, device, seed: subSeed(seed, 1) });
    this.attnDropout = new Dropout(dropout, { seed: subSeed(seed, 2) });
    this.residDropout = new Dropout(dropout, { seed: subSeed(seed, 3) });
    const tri = new Uint8Array(blockSize * blockSize);
    for (let i = 0; i < blockSize; i++) tri.fill(1, i * blockSize, i * blockSize + i + 1);
    this.registerBuffer('mask', tensor(tri, { dtype: 'bool', device, shape: [blockSize, blockSize] }), false);
  }

  /** x [B, T, C] -> [B, T, C]; with `cache`, x holds the positions after the cached ones. */
  forward(x: Tensor, cache?: KVCache): Tensor {
    const [B, T, C] = x.shape as [number, number, number];
    if (x.ndim !== 3 || C !== this.nEmbd)
      throw new TensorError(
        'shape',
        `CausalSelfAttention(${this.nEmbd}, ${this.nHead}): input [${x.shape.join(', ')}] must be [B, T, ${this.nEmbd}]`,
      );
    const past = cache?.length ?? 0;
    if (past + T > this.blockSize)
      throw new TensorError(
        'shape',
        `CausalSelfAttention: ${past} cached + ${T} new positions exceed blockSize ${this.blockSize}`,
      );
    const H = this.nHead;
    const D = C / H;
    const qkv = this.cAttn.forward(x); // [B, T, 3C]
    const heads = (i: number) =>
      qkv
        .slice(null, null, [i * C, (i + 1) * C])
        .reshape([B, T, H, D])
        .transpose(0, 2, 1, 3); // [B, H, T, D]
    const q = heads(0);
    let k = heads(1);
    let v = heads(2);
    if (cache) [k, v] = cache.append(k, v); // [B, H, past + T, D]
    let att = q.matmul(k.mT).mul(1 / Math.sqrt(D)); // [B, H, T, past + T]
    // Query i sits at absolute position past + i and may see keys 0..past + i. A single new
    // query (T = 1) sees every key, so it needs no mask.
    if (T > 1) att = where(this.mask.slice([past, past + T], [0, past + T]), att, MASKED);
    att = this.attnDropout.forward(att.softmax(-1));
    const y = att.matmul(v).transpose(0, 2, 1, 3).reshape([B, T, C]); // [B, H, T, D] -> [B, T, H, D] -> [B, T, C]
    return this.residDropout.forward(this.cProj.forward(y));
  }
}
