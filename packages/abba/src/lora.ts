/**
 * LoRA (Hu et al., 2021, arXiv 2106.09685): dW = s B A with B [out, r] = 0 and A [r, in]
 * Kaiming-uniform, so dW = 0 at the start (§4.1); s = alpha / r, or alpha / sqrt(r) with rsLoRA
 * (Kalajdzievski, 2023). Saved as PEFT does: `lora_A.weight` [r, in], `lora_B.weight` [out, r].
 */
import { kaimingUniform, type Linear, parameter, subSeed } from '@webgrad/nn';
import { type Tensor, zeros } from '@webgrad/tensor';
import { AdapterLayer, type AdapterLayerOptions } from './adapter-layer.js';
import { resolveConfig, scalingOf } from './config.js';

export interface LoRAOptions extends AdapterLayerOptions {
  /** Rank (default 8). */
  r?: number;
  /** Default r (s = 1). */
  alpha?: number;
  /** s = alpha / sqrt(r) instead of alpha / r. */
  useRsLora?: boolean;
}

/**
 * A frozen Linear plus a rank-r update: y = x W0^T + b + s (dropout(x) A^T) B^T.
 * @example
 *   const layer = new LoRALinear(new Linear(64, 32), { r: 8, alpha: 16, seed: 0 });
 *   layer.forward(x).shape // [N, 32]
 */
export class LoRALinear extends AdapterLayer {
  readonly method = 'lora' as const;
  readonly adapterKeys = { loraA: 'lora_A.weight', loraB: 'lora_B.weight' } as const;
  readonly r: number;
  loraA: Tensor;
  loraB: Tensor;

  constructor(base: Linear, opts: LoRAOptions = {}) {
    const c = resolveConfig({ ...opts, method: 'lora', targetModules: 'self' });
    super(base, scalingOf(c), opts);
    this.r = c.r;
    const { dtype, device } = base.weight;
    // PEFT's default: kaiming_uniform(a = sqrt(5)) for A, i.e. U(-1/sqrt(in), 1/sqrt(in)); B = 0.
    this.loraA = parameter(
      kaimingUniform([c.r, base.inFeatures], { a: Math.sqrt(5), dtype, device, seed: subSeed(opts.seed, 0) }),
    );
    this.loraB = parameter(zeros([base.outFeatures, c.r], { dtype, device }));
  }

  deltaWeight(): Tensor {
    return this.loraB.matmul(this.loraA).mul(this.scale); // [out, in]
  }

  protected delta(x: Tensor): Tensor {
    return x.matmul(this.loraA.mT).matmul(this.loraB.mT.mul(this.scale)); // [N, r] -> [N, out]
  }
}
