/** Learning-rate schedules as plain functions of the step: `opt.lr = schedule(step)`. */
import { TensorError } from '@webgrad/tensor';

/**
 * Linear warmup to `lr` over `warmupSteps`, then constant: lr * (step + 1) / warmupSteps.
 * @example const sched = linearWarmup({ lr: 3e-4, warmupSteps: 100 }); opt.lr = sched(step);
 */
export function linearWarmup({ lr, warmupSteps }: { lr: number; warmupSteps: number }): (step: number) => number {
  if (!(warmupSteps >= 0)) throw new TensorError('value', `linearWarmup: warmupSteps must be >= 0, got ${warmupSteps}`);
  return (step) => (step < warmupSteps ? (lr * (step + 1)) / warmupSteps : lr);
}

/**
 * Linear warmup, then cosine decay (Loshchilov & Hutter, 2017, without restarts) from `lr` to
 * `minLr` at `totalSteps`, then `minLr`: minLr + (lr - minLr) (1 + cos(pi r)) / 2 with
 * r = (step - warmupSteps) / (totalSteps - warmupSteps).
 * @example const sched = cosine({ lr: 1e-3, minLr: 1e-4, warmupSteps: 10, totalSteps: 1000 });
 */
export function cosine(opts: {
  lr: number;
  totalSteps: number;
  warmupSteps?: number;
  minLr?: number;
}): (step: number) => number {
  const { lr, totalSteps, warmupSteps = 0, minLr = 0 } = opts;
  if (!(totalSteps > warmupSteps))
    throw new TensorError('value', `cosine: totalSteps (${totalSteps}) must exceed warmupSteps (${warmupSteps})`);
  const warm = linearWarmup({ lr, warmupSteps });
  return (step) => {
    if (step < warmupSteps) return warm(step);
    if (step >= totalSteps) return minLr;
    const r = (step - warmupSteps) / (totalSteps - warmupSteps);
    return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * r))) / 2;
  };
}
