/**
 * ABBA (Singhal, Ponkshe, Vartak & Vepakomma, 2025, arXiv 2505.14238): a frozen W0 plus
 *   dW = s (B1 A1) ⊙ (B2 A2)                                                     (Eq. 2)
 * with B1 [m, r1], A1 [r1, n], B2 [m, r2], A2 [r2, n]: (r1 + r2)(m + n) parameters, rank up to
 * r1 r2 (Theorem 1). Initialisation (§3.4, the paper's best): the first pair from a truncated SVD
 * of W0, B1 = U_r1 sqrt(S), A1 = sqrt(S) V_r1^T (the best rank-r1 approximation of W0 by
 * Eckart-Young), the second pair LoRA-style, B2 = 0 and A2 Kaiming-uniform, so dW = 0 at the start.
 * A2's Kaiming gain follows the authors' code by default (a = 0: U(±sqrt(6 / n))); `a2Init: 'peft'`
 * gives PEFT's LoRA init (a = sqrt(5): U(±1 / sqrt(n))), which webgrad used before. B1, A1 (before
 * the SVD overwrites them) and LoRA / HiRA keep PEFT's a = sqrt(5).
 * Forward through the Khatri-Rao identity (Eq. 5, khatri-rao.ts), never forming dW.
 * On disk (adapter-io.ts, formats/): as PEFT's LoHa by default (the same update), or in the
 * authors' layout (`<path>.lora_A1.default`, ...) with `saveAdapter(model, dir, { format: 'abba-authors' })`.
 */
import { kaimingUniform, type Linear, parameter, subSeed } from '@webgrad/nn';
import { svdLowRank, type Tensor, TensorError, tidyAsync, zeros } from '@webgrad/tensor';
import { AdapterLayer, type AdapterLayerOptions } from './adapter-layer.js';
import { type AbbaA2Init, type AbbaImpl, type AbbaInit, type AbbaScaling, resolveConfig, scalingOf } from './config.js';
import { type AbbaFactors, abbaDeltaFused, abbaDeltaNaive, abbaDeltaPlain, abbaDeltaWeight } from './khatri-rao.js';

export interface ABBAOptions extends AdapterLayerOptions {
  /** Ranks of the two pairs (default 8 each). */
  r1?: number;
  r2?: number;
  /** Scale numerator (default: s = 1); see AbbaScaling for the two conventions. */
  alpha?: number;
  /** Second alpha of the released code's convention (`scaling: 'authors'`). */
  alpha2?: number;
  scaling?: AbbaScaling;
  /** Forward implementation (default 'fused'). */
  impl?: AbbaImpl;
  /** A2's Kaiming-uniform gain (default `'authors'`, see AbbaA2Init). */
  a2Init?: AbbaA2Init;
}

export interface ABBACreateOptions extends ABBAOptions {
  /** 'svd' (default) or 'lora' (both pairs LoRA-style, one B zero). */
  init?: AbbaInit;
  /** Power iterations of the truncated SVD (default 10). */
  svdNiter?: number;
}

const IMPLS = { fused: abbaDeltaFused, plain: abbaDeltaPlain, naive: abbaDeltaNaive } as const;

/**
 * The negative slope a of A2's kaiming_uniform per AbbaA2Init: the authors' code calls
 * `kaiming_uniform_` with a = 0, U(±sqrt(6 / n)); PEFT's LoRA uses a = sqrt(5), U(±1 / sqrt(n)),
 * sqrt(6) times narrower.
 */
export const A2_GAIN_PARAMETER: Record<AbbaA2Init, number> = { authors: 0, peft: Math.sqrt(5) };

/**
 * A frozen Linear plus the ABBA update: y = x W0^T + b + s (x' A_kr^T) B_kr^T, x' = dropout(x).
 * `new ABBALinear(base, opts)` initialises LoRA-style (A1, A2, B1 Kaiming-uniform, B2 = 0);
 * `await ABBALinear.create(base, opts)` applies the SVD initialisation (async: it reads W0).
 * @example
 *   const layer = await ABBALinear.create(new Linear(64, 32), { r1: 4, r2: 4, seed: 0 });
 *   layer.forward(x).shape // [N, 32]; dW = 0 at the start
 */
export class ABBALinear extends AdapterLayer {
  readonly method = 'abba' as const;
  readonly adapterKeys = {
    loraA1: 'lora_A1.weight',
    loraB1: 'lora_B1.weight',
    loraA2: 'lora_A2.weight',
    loraB2: 'lora_B2.weight',
  } as const;
  readonly r1: number;
  readonly r2: number;
  impl: AbbaImpl;
  loraB1: Tensor; // [m, r1]
  loraA1: Tensor; // [r1, n]
  loraB2: Tensor; // [m, r2]
  loraA2: Tensor; // [r2, n]

  constructor(base: Linear, opts: ABBAOptions = {}) {
    const c = resolveConfig({ ...opts, method: 'abba', targetModules: 'self' });
    super(base, scalingOf(c), opts);
    [this.r1, this.r2, this.impl] = [c.r1, c.r2, c.impl];
    const [m, n] = [base.outFeatures, base.inFeatures];
    const { dtype, device } = base.weight;
    // PEFT's LoRA default kaiming_uniform(a = sqrt(5)): U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    const ku = (shape: number[], k: number, a = Math.sqrt(5)) =>
      parameter(kaimingUniform(shape, { a, dtype, device, seed: subSeed(opts.seed, k) }));
    this.loraB1 = ku([m, c.r1], 0);
    this.loraA1 = ku([c.r1, n], 1);
    this.loraB2 = parameter(zeros([m, c.r2], { dtype, device }));
    this.loraA2 = ku([c.r2, n], 2, A2_GAIN_PARAMETER[c.a2Init]);
  }

  /**
   * Builds the layer and initialises it (`init: 'svd'` by default, see the file comment).
   * Async because the truncated SVD reads W0 (from the GPU when it lives there).
   * @example const layer = await ABBALinear.create(linear, { r1: 8, r2: 8, alpha: 8 });
   */
  static async create(base: Linear, opts: ABBACreateOptions = {}): Promise<ABBALinear> {
    const layer = new ABBALinear(base, opts);
    if ((opts.init ?? 'svd') === 'svd') await layer.initFromSvd(opts.svdNiter ?? 10, subSeed(opts.seed, 3));
    return layer;
  }

  /**
   * B1 = U_r1 sqrt(S), A1 = sqrt(S) V_r1^T from a randomised truncated SVD of W0 (§3.4), so that
   * B1 A1 is (up to the SVD's accuracy) the best rank-r1 approximation of W0.
   */
  async initFromSvd(niter = 10, seed?: number): Promise<void> {
    const w0 = this.originalWeight;
    const k = Math.min(w0.shape[0] as number, w0.shape[1] as number);
    if (this.r1 > k)
      throw new TensorError('value', `ABBALinear: SVD init needs r1 <= min(out, in) = ${k}, got r1 = ${this.r1}`);
    await tidyAsync(async () => {
      const { u, s, v } = await svdLowRank(w0, this.r1, { niter, seed });
      const root = s.sqrt(); // [r1]
      this.loraB1.assign(u.mul(root)); // U sqrt(S): [m, r1] * [r1]
      this.loraA1.assign(v.mul(root).mT.contiguous()); // sqrt(S) V^T: [r1, n]
    });
  }

  /** The four factors as named tensors. */
  get factors(): AbbaFactors {
    return { b1: this.loraB1, a1: this.loraA1, b2: this.loraB2, a2: this.loraA2 };
  }

  deltaWeight(): Tensor {
    return abbaDeltaWeight(this.factors, this.scale); // [out, in]
  }

  protected delta(x: Tensor): Tensor {
    return IMPLS[this.impl](x, this.factors, this.scale); // [N, out]
  }
}
