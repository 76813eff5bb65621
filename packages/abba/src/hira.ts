/**
 * HiRA (Huang et al., ICLR 2025, "Parameter-efficient Hadamard high-rank adaptation"):
 * dW = s W0 ⊙ (B A), B [out, r] = 0, A [r, in] Kaiming-uniform, s = alpha / r. The Hadamard
 * product with W0 lifts the rank of dW above r, but ties the update to W0's structure (the
 * limitation ABBA removes, arXiv 2505.14238 §2). There is no Khatri-Rao shortcut through W0, so
 * the forward materialises dW (memory O(out in)).
 * File keys (our choice, by analogy with PEFT's LoRA): `hira_A.weight` [r, in], `hira_B.weight` [out, r].
 */
import { kaimingUniform, type Linear, parameter, subSeed } from '@webgrad/nn';
import { type Tensor, zeros } from '@webgrad/tensor';
import { AdapterLayer, type AdapterLayerOptions } from './adapter-layer.js';
import { resolveConfig, scalingOf } from './config.js';

export interface HiRAOptions extends AdapterLayerOptions {
  /** Rank of B A (default 8). */
  r?: number;
  /** Default r (s = 1). */
  alpha?: number;
}

/**
 * A frozen Linear plus a Hadamard update: y = x W0^T + b + dropout(x) (s W0 ⊙ (B A))^T.
 * @example
 *   const layer = new HiRALinear(new Linear(64, 32), { r: 4, seed: 0 });
 *   layer.forward(x).shape // [N, 32]
 */
export class HiRALinear extends AdapterLayer {
  readonly method = 'hira' as const;
  readonly adapterKeys = { hiraA: 'hira_A.weight', hiraB: 'hira_B.weight' } as const;
  readonly r: number;
  hiraA: Tensor;
  hiraB: Tensor;

  constructor(base: Linear, opts: HiRAOptions = {}) {
    const c = resolveConfig({ ...opts, method: 'hira', targetModules: 'self' });
    super(base, scalingOf(c), opts);
    this.r = c.r;
    const { dtype, device } = base.weight;
    this.hiraA = parameter(
      kaimingUniform([c.r, base.inFeatures], { a: Math.sqrt(5), dtype, device, seed: subSeed(opts.seed, 0) }),
    );
    this.hiraB = parameter(zeros([base.outFeatures, c.r], { dtype, device }));
  }

  deltaWeight(): Tensor {
    return this.originalWeight.mul(this.hiraB.matmul(this.hiraA)).mul(this.scale); // [out, in]
  }

  protected delta(x: Tensor): Tensor {
    return x.matmul(this.deltaWeight().mT); // [N, out]
  }
}
