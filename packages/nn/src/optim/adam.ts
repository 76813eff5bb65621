/** Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), with PyTorch's formulas. */
import { type Tensor, TensorError, zerosLike } from '@webgrad/tensor';
import { Optimizer, type ParamState, type Params } from './optimizer.js';

/** Options of `Adam` and `AdamW`. */
export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

/**
 * torch.optim.Adam: g = grad + wd * p (L2 in the gradient); m = b1 m + (1 - b1) g;
 * v = b2 v + (1 - b2) g^2; p = p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * With amsgrad, the running maximum of v replaces v in the denominator.
 * @example const opt = new Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer<AdamOptions> {
  /** Loshchilov & Hutter's decoupled decay (AdamW) instead of L2 in the gradient. */
  protected decoupled = false;

  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}, name = 'Adam') {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, ...opts }, name);
    this.elementwise = true;
  }

  protected override validate(h: AdamOptions): void {
    super.validate(h);
    const [b1, b2] = h.betas;
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1))
      throw new TensorError('value', `Adam: betas must be in [0, 1), got [${h.betas}]`);
    if (!(h.eps >= 0)) throw new TensorError('value', `Adam: eps must be >= 0, got ${h.eps}`);
    if (!(h.weightDecay >= 0)) throw new TensorError('value', `Adam: weightDecay must be >= 0, got ${h.weightDecay}`);
  }

  protected update(p: Tensor, grad: Tensor, h: AdamOptions, s: ParamState): void {
    const [b1, b2] = h.betas;
    let g = grad;
    let param = p;
    if (h.weightDecay !== 0) {
      if (this.decoupled) param = p.mul(1 - h.lr * h.weightDecay);
      else g = grad.add(p.mul(h.weightDecay));
    }
    const m = this.buffer(s, 'expAvg', () => zerosLike(p));
    const v = this.buffer(s, 'expAvgSq', () => zerosLike(p));
    m.assign(m.mul(b1).add(g.mul(1 - b1)));
    v.assign(v.mul(b2).add(g.mul(g).mul(1 - b2)));
    let vHat = v;
    if (h.amsgrad) {
      const vMax = this.buffer(s, 'maxExpAvgSq', () => zerosLike(p));
      vMax.assign(vMax.maximum(v));
      vHat = vMax;
    }
    const stepSize = h.lr / (1 - b1 ** s.step);
    const denom = vHat
      .sqrt()
      .div(Math.sqrt(1 - b2 ** s.step))
      .add(h.eps);
    p.assign(param.sub(m.div(denom).mul(stepSize)));
  }
}

/**
 * Adam with decoupled weight decay: p = p (1 - lr wd) before the Adam step (weightDecay default
 * 0.01, as PyTorch).
 * @example const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.1 });
 */
export class AdamW extends Adam {
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 0.01, ...opts }, 'AdamW');
    this.decoupled = true;
  }
}
