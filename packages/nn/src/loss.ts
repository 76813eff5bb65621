/** Loss functions: cross-entropy over class logits, mean squared error (more in losses.ts). */
import { interpreterOf, isFloat, type Tensor, TensorError, where } from '@webgrad/tensor';

/** How a loss reduces over elements: their mean, their sum, or none (one loss per element). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** Targets equal to this contribute nothing (and are not counted by 'mean'). Default -100. */
  ignoreIndex?: number;
  /** Mixes the one-hot target with the uniform distribution (Szegedy et al., 2016). Default 0. */
  labelSmoothing?: number;
  reduction?: Reduction;
}

const shapeOf = (t: Tensor) => `[${t.shape.join(', ')}]`;

/**
 * Cross-entropy between `logits` [N, C] (or [B, T, C]) and int32 class `targets` [N] (or [B, T]),
 * as torch.nn.functional.cross_entropy: per element
 * (1 - ε) * -logp[target] + ε * mean_c(-logp[c]), zero where target == ignoreIndex; 'mean'
 * divides the sum by the number of non-ignored targets (NaN if there are none, as PyTorch).
 * @example crossEntropy(model.forward(x), y) // a 0-d tensor
 */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = 'mean' } = opts;
  const C = logits.shape[logits.ndim - 1] as number;
  const lead = logits.shape.slice(0, -1);
  if (!isFloat(logits.dtype)) throw new TensorError('dtype', `crossEntropy: logits must be float, got ${logits.dtype}`);
  if (targets.dtype !== 'int32')
    throw new TensorError('dtype', `crossEntropy: targets must be int32, got ${targets.dtype}`);
  if (logits.ndim < 2 || targets.shape.join() !== lead.join())
    throw new TensorError(
      'shape',
      `crossEntropy: logits ${shapeOf(logits)} need targets [${lead.join(', ')}], got ${shapeOf(targets)}`,
    );
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
    throw new TensorError('value', `crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  checkTargets('crossEntropy', targets, C, ignoreIndex);
  const n = targets.size;
  const logp = logits.reshape([n, C]).logSoftmax(-1); // [N, C]
  const t = targets.reshape([n]); // [N]
  const valid = t.ne(ignoreIndex); // [N]
  // [N, 1]: ignored rows read class 0, then are zeroed. A negative target that is not ignoreIndex
  // goes to C, out of range, so gather's own check reports it on devices that skip checkTargets
  // (gather would otherwise count it from the end, NumPy-style).
  const safe = where(valid, where(t.lt(0), C, t), 0).reshape([n, 1]);
  let loss = logp.gather(safe, 1).reshape([n]).neg(); // [N]
  if (labelSmoothing > 0) {
    const smooth = logp.mean(-1).neg(); // [N]
    loss = loss.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing));
  }
  loss = where(valid, loss, 0);
  return reduceLoss(loss, reduction, 'crossEntropy', valid, lead);
}

/**
 * @internal Every target must be a class in [0, C) or ignoreIndex. Checked on the CPU (cheap next
 * to the forward), so the error names the loss and the bad value instead of an inner gather.
 * On other devices the values are not readable synchronously; gather's own check reports them.
 */
export function checkTargets(op: string, targets: Tensor, C: number, ignoreIndex: number): void {
  // Elsewhere (WebGPU, or traced by vmap where values cannot be read) gather's index check reports it.
  if (targets.device !== 'cpu' || interpreterOf([targets])) return;
  const data = targets.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v === ignoreIndex || (v >= 0 && v < C)) continue;
    const at = targets.ndim > 1 ? ` at [${unravel(i, targets.shape).join(', ')}]` : ` at ${i}`;
    throw new TensorError(
      'index',
      `${op}: target ${v}${at} is out of range for ${C} classes; targets must be in [0, ${C}) or equal ignoreIndex (${ignoreIndex})`,
    );
  }
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = shape.map(() => 0);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % (shape[d] as number);
    flat = Math.floor(flat / (shape[d] as number));
  }
  return idx;
}

/** @internal Applies a loss's `reduction` ('mean' over `valid` when given). */
export function reduceLoss(
  loss: Tensor,
  reduction: Reduction,
  op: string,
  valid: Tensor | undefined,
  shape: readonly number[],
): Tensor {
  switch (reduction) {
    case 'none':
      return loss.reshape([...shape]);
    case 'sum':
      return loss.sum();
    case 'mean':
      return valid ? loss.sum().div(valid.cast(loss.dtype).sum()) : loss.mean();
    default:
      throw new TensorError('value', `${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

/**
 * Mean squared error (x - y)^2, reduced by `reduction` (default 'mean'); shapes must match.
 * @example mseLoss(pred, target) // 0-d
 */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  if (input.shape.join() !== target.shape.join())
    throw new TensorError(
      'shape',
      `mseLoss: input ${shapeOf(input)} and target ${shapeOf(target)} must have the same shape`,
    );
  const d = input.sub(target);
  const sq = d.mul(d);
  return reduceLoss(sq, opts.reduction ?? 'mean', 'mseLoss', undefined, sq.shape);
}
