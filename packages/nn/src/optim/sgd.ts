/** Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay. */
import { detach, type Tensor, TensorError } from '@webgrad/tensor';
import { Optimizer, type ParamState, type Params } from './optimizer.js';

/** Options of `SGD`. */
export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * torch.optim.SGD's update: g = grad + wd * p; with momentum, buf = g on the first step, else
 * buf = momentum * buf + (1 - dampening) * g; g = nesterov ? g + momentum * buf : buf;
 * p = p - lr * g.
 * @example const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, opts: Partial<SGDOptions> = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...opts }, 'SGD');
    this.elementwise = true;
    // Two or three ops per parameter: copying a big gradient into the flat vector costs more
    // than the dispatches it saves (the MLP's 784 x 256 step: 1.5 -> 6.5 ms flattened).
    this.flatMaxElements = 16_384;
  }

  protected override validate(h: SGDOptions): void {
    super.validate(h);
    if (!(h.momentum >= 0)) throw new TensorError('value', `SGD: momentum must be >= 0, got ${h.momentum}`);
    if (!(h.weightDecay >= 0)) throw new TensorError('value', `SGD: weightDecay must be >= 0, got ${h.weightDecay}`);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0))
      throw new TensorError('value', 'SGD: nesterov needs momentum > 0 and dampening 0');
  }

  protected update(p: Tensor, grad: Tensor, h: SGDOptions, s: ParamState): void {
    let g = h.weightDecay !== 0 ? grad.add(p.mul(h.weightDecay)) : grad;
    if (h.momentum !== 0) {
      const first = !s.buffers.momentum;
      const buf = this.buffer(s, 'momentum', () => detach(g));
      if (!first) buf.assign(buf.mul(h.momentum).add(g.mul(1 - h.dampening)));
      g = h.nesterov ? g.add(buf.mul(h.momentum)) : buf;
    }
    p.assign(p.sub(g.mul(h.lr)));
  }
}
