/** Dropout (Srivastava et al., 2014), inverted: kept units are scaled by 1 / (1 - p) in training. */
import { rand, type Tensor, TensorError, where } from '@webgrad/tensor';
import { subSeed } from './init.js';
import { Module } from './module.js';

/**
 * Zeroes each element with probability `p` while training; the identity in eval mode. Masks are
 * seeded: the k-th call of a Dropout made with `seed` draws with a seed derived from (seed, k),
 * so a run is reproducible. Without a seed, masks follow `manualSeed`'s sequence.
 * @example const drop = new Dropout(0.1, { seed: 0 }); const y = drop.forward(x);
 */
export class Dropout extends Module {
  private calls = 0;
  private readonly seed: number | undefined;

  constructor(
    readonly p: number,
    opts: { seed?: number } = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new TensorError('value', `Dropout: p must be in [0, 1], got ${p}`);
    this.seed = opts.seed;
  }

  /** In training mode, zeroes each element with probability p and scales the rest by 1 / (1 - p); in eval mode, the identity. */
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    if (this.p === 1) return x.mul(0);
    const seed = subSeed(this.seed, this.calls++);
    const u = rand(x.shape, { seed, device: x.device, dtype: x.dtype === 'float64' ? 'float64' : 'float32' });
    return where(u.ge(this.p), x.mul(1 / (1 - this.p)), 0);
  }
}
