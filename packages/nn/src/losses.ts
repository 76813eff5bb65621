/**
 * More losses with PyTorch's definitions and defaults (torch.nn.functional): binary
 * cross-entropy on logits, negative log-likelihood, L1 and Huber. Each takes `reduction`
 * ('mean' by default, 'sum' or 'none').
 */
import { type Tensor, TensorError, where } from '@webgrad/tensor';
import { checkTargets, type Reduction, reduceLoss } from './loss.js';

const shapeOf = (t: Tensor) => `[${t.shape.join(', ')}]`;

function sameShape(op: string, input: Tensor, target: Tensor): void {
  if (input.shape.join() !== target.shape.join())
    throw new TensorError(
      'shape',
      `${op}: input ${shapeOf(input)} and target ${shapeOf(target)} must have the same shape`,
    );
}

/** Options of `bceWithLogits`. */
export interface BceWithLogitsOptions {
  /** Per-element rescaling, broadcast against the input. */
  weight?: Tensor;
  /** Weight of the positive term, broadcast along the last axis (one per class). */
  posWeight?: Tensor;
  reduction?: Reduction;
}

/**
 * Binary cross-entropy on logits x with targets y in [0, 1] (torch binary_cross_entropy_with_logits):
 * -w [p y log σ(x) + (1 - y) log(1 - σ(x))], computed stably as w [p y softplus(-x) + (1 - y) softplus(x)]
 * (log σ(x) = -softplus(-x)), so no logit overflows.
 * @example bceWithLogits(model.forward(x), labels) // 0-d
 */
export function bceWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  sameShape('bceWithLogits', input, target);
  const y = target.dtype === input.dtype ? target : target.cast(input.dtype);
  const pos = y.mul(input.neg().softplus()); // y * -log σ(x)
  const posTerm = opts.posWeight ? pos.mul(opts.posWeight) : pos;
  let loss = posTerm.add(y.neg().add(1).mul(input.softplus())); // + (1 - y) * -log(1 - σ(x))
  if (opts.weight) loss = loss.mul(opts.weight);
  return reduceLoss(loss, opts.reduction ?? 'mean', 'bceWithLogits', undefined, loss.shape);
}

/** Options of `nllLoss`. */
export interface NllLossOptions {
  /** Per-class weights [C]; 'mean' divides by the sum of the picked weights (PyTorch). */
  weight?: Tensor;
  /** Targets equal to this contribute nothing and are not counted by 'mean'. Default -100. */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/**
 * Negative log-likelihood of log-probabilities `input` [N, C] (or [..., C]: classes on the last
 * axis, as in crossEntropy; PyTorch puts them on axis 1 for inputs beyond 2-d) at int32 `targets`
 * [N] (or [...]): -w[t] input[i, t]. 'mean' is Σ loss / Σ w[t] over non-ignored targets.
 * @example nllLoss(logits.logSoftmax(-1), targets) // equals crossEntropy(logits, targets)
 */
export function nllLoss(input: Tensor, targets: Tensor, opts: NllLossOptions = {}): Tensor {
  const { ignoreIndex = -100, reduction = 'mean', weight } = opts;
  const C = input.shape[input.ndim - 1] as number;
  const lead = input.shape.slice(0, -1);
  if (targets.dtype !== 'int32') throw new TensorError('dtype', `nllLoss: targets must be int32, got ${targets.dtype}`);
  if (input.ndim < 2 || targets.shape.join() !== lead.join())
    throw new TensorError(
      'shape',
      `nllLoss: input ${shapeOf(input)} needs targets [${lead.join(', ')}], got ${shapeOf(targets)}`,
    );
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C))
    throw new TensorError('shape', `nllLoss: weight must be [${C}] (one per class), got ${shapeOf(weight)}`);
  checkTargets('nllLoss', targets, C, ignoreIndex);
  const n = targets.size;
  const t = targets.reshape([n]); // [N]
  const valid = t.ne(ignoreIndex); // [N]
  // Ignored rows read class 0, then are zeroed; a negative target that is not ignoreIndex goes to
  // C, out of range, so gather's own check reports it where checkTargets cannot look (WebGPU).
  const safe = where(valid, where(t.lt(0), C, t), 0); // [N]
  let loss = input
    .reshape([n, C])
    .gather(safe.reshape([n, 1]), 1)
    .reshape([n])
    .neg(); // [N]
  let w = valid.cast(input.dtype); // [N]: 1 where counted
  if (weight) {
    const picked = weight.cast(input.dtype).take(safe, 0); // [N]
    loss = loss.mul(picked);
    w = w.mul(picked);
  }
  loss = where(valid, loss, 0);
  if (reduction === 'mean') return loss.sum().div(w.sum());
  return reduceLoss(loss, reduction, 'nllLoss', undefined, lead);
}

/**
 * Mean absolute error |x - y| (torch l1_loss); shapes must match.
 * @example l1Loss(pred, target) // 0-d
 */
export function l1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  sameShape('l1Loss', input, target);
  const loss = input.sub(target).abs();
  return reduceLoss(loss, opts.reduction ?? 'mean', 'l1Loss', undefined, loss.shape);
}

/**
 * Huber loss (torch huber_loss, default delta 1): 0.5 d² where |d| < delta, else
 * delta (|d| - 0.5 delta), with d = x - y. Quadratic near 0, linear in the tails.
 * @example huberLoss(pred, target, { delta: 0.5 })
 */
export function huberLoss(input: Tensor, target: Tensor, opts: { delta?: number; reduction?: Reduction } = {}): Tensor {
  const { delta = 1, reduction = 'mean' } = opts;
  if (!(delta > 0)) throw new TensorError('value', `huberLoss: delta must be > 0, got ${delta}`);
  sameShape('huberLoss', input, target);
  const d = input.sub(target);
  const a = d.abs();
  const loss = where(a.lt(delta), d.mul(d).mul(0.5), a.sub(0.5 * delta).mul(delta));
  return reduceLoss(loss, reduction, 'huberLoss', undefined, loss.shape);
}
