/** Normalisation layers over the trailing dims: LayerNorm and RMSNorm. */
import { type Device, type DType, ones, type Tensor, TensorError, zeros } from '@webgrad/tensor';
import { Module, parameter } from './module.js';

interface NormOptions {
  /** Learn a per-feature scale (and, for LayerNorm, a shift). Default true. */
  elementwiseAffine?: boolean;
  dtype?: DType;
  device?: Device;
}

function trailingAxes(name: string, x: Tensor, shape: readonly number[]): number[] {
  const k = shape.length;
  const ok = x.ndim >= k && shape.every((d, i) => x.shape[x.ndim - k + i] === d);
  if (!ok) throw new TensorError('shape', `${name}: input [${x.shape.join(', ')}] must end in [${shape.join(', ')}]`);
  return shape.map((_, i) => x.ndim - k + i);
}

/**
 * Ba et al. (2016): (x - mean) / sqrt(var + eps) * weight + bias over the trailing dims, with the
 * biased variance (as PyTorch).
 * @example new LayerNorm(8).forward(randn([2, 8])).shape // [2, 8]
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  weight: Tensor | undefined;
  bias: Tensor | undefined;

  constructor(normalizedShape: number | readonly number[], opts: NormOptions & { eps?: number; bias?: boolean } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.elementwiseAffine ?? true;
    const o = { dtype: opts.dtype, device: opts.device };
    this.weight = affine ? parameter(ones(this.normalizedShape, o)) : undefined;
    this.bias = affine && (opts.bias ?? true) ? parameter(zeros(this.normalizedShape, o)) : undefined;
  }

  /** Normalises over the last axis, then scales (and shifts). */
  forward(x: Tensor): Tensor {
    const axes = trailingAxes('LayerNorm', x, this.normalizedShape);
    const centered = x.sub(x.mean(axes, true));
    const variance = centered.mul(centered).mean(axes, true);
    let y = centered.mul(variance.add(this.eps).rsqrt());
    if (this.weight) y = y.mul(this.weight);
    if (this.bias) y = y.add(this.bias);
    return y;
  }
}

/**
 * Zhang & Sennrich (2019): x / sqrt(mean(x^2) + eps) * weight. eps defaults to the dtype's
 * machine epsilon, as PyTorch does when eps is None.
 * @example new RMSNorm(8).forward(randn([2, 8])).shape // [2, 8]
 */
export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number | undefined;
  weight: Tensor | undefined;

  constructor(normalizedShape: number | readonly number[], opts: NormOptions & { eps?: number } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = opts.eps;
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine
      ? parameter(ones(this.normalizedShape, { dtype: opts.dtype, device: opts.device }))
      : undefined;
  }

  /** x / rms(x) over the last axis, then scaled by `weight`. */
  forward(x: Tensor): Tensor {
    const axes = trailingAxes('RMSNorm', x, this.normalizedShape);
    const eps = this.eps ?? (x.dtype === 'float64' ? 2 ** -52 : 2 ** -23);
    const y = x.mul(x.mul(x).mean(axes, true).add(eps).rsqrt());
    return this.weight ? y.mul(this.weight) : y;
  }
}
