/**
 * Fitting an adapter's update dW(θ) to a target T by Adam on the mean squared error
 * ||dW(θ) - T||_F² / (m n), with a cosine learning-rate schedule, through @webgrad/autograd.
 * The scale s of each method is fixed at 1 here: in a pure fit it is absorbed by the factors.
 */
import { backward, noGrad } from '@webgrad/autograd';
import { Adam, cosine } from '@webgrad/nn';
import { type Tensor, tidy } from '@webgrad/tensor';
import { relativeError } from './svd-baseline.js';

/** A parametrised update: trainable factors and the m x n matrix they make. */
export interface Parametrization {
  /** Short label, e.g. 'abba/svd' or 'hira'. */
  label: string;
  params: Tensor[];
  /** dW from the (current) params, [m, n]. */
  delta(params: readonly Tensor[]): Tensor;
}

export interface FitOptions {
  steps: number;
  /** Peak Adam learning rate (cosine-decayed to minLr at the last step, no warmup). */
  lr: number;
  minLr: number;
  /** Record the relative error every `logEvery` steps (and at the last step). */
  logEvery: number;
}

export interface FitResult {
  label: string;
  /** Final ||dW - T||_F / ||T||_F. */
  relErr: number;
  /** [step, relative error] pairs for loss curves. */
  curve: [number, number][];
  /**
   * Flatness of the end of the curve: (err at 90% of the steps - final err) / final err. Small
   * values (e.g. < 1e-2) mean the fit had converged for this schedule.
   */
  lastTenthDrop: number;
  /** The fitted dW (caller disposes). */
  delta: Tensor;
  steps: number;
  lr: number;
}

/**
 * Runs Adam on ||dW(θ) - T||_F² / (m n). Parameters are updated in place and left with their
 * fitted values; the returned `delta` is detached.
 * @example const fit = fitByAdam(target, abbaParametrization(...), { steps: 1500, lr: 1e-2, minLr: 1e-4, logEvery: 25 });
 */
export function fitByAdam(target: Tensor, p: Parametrization, o: FitOptions): FitResult {
  for (const q of p.params) q.requiresGrad = true;
  const opt = new Adam(p.params, { lr: o.lr });
  const sched = cosine({ lr: o.lr, minLr: o.minLr, totalSteps: o.steps });
  const tNorm2 = target.square().sum().dataSync()[0] as number;
  const [m, n] = target.shape as [number, number];
  const curve: [number, number][] = [];
  for (let step = 0; step < o.steps; step++) {
    tidy(() => {
      const loss = p.delta(p.params).sub(target).square().mean();
      if (step % o.logEvery === 0) curve.push([step, Math.sqrt(((loss.dataSync()[0] as number) * m * n) / tNorm2)]);
      backward(loss);
      opt.lr = sched(step);
      opt.step();
      opt.zeroGrad();
    });
  }
  const delta = noGrad(() => p.delta(p.params));
  const relErr = relativeError(delta, target);
  curve.push([o.steps, relErr]);
  const at90 = errorAt(curve, Math.floor(0.9 * o.steps));
  for (const q of p.params) q.requiresGrad = false;
  opt.zeroGrad();
  return { label: p.label, relErr, curve, lastTenthDrop: (at90 - relErr) / relErr, delta, steps: o.steps, lr: o.lr };
}

/** The recorded error at the last logged step <= `step`. */
function errorAt(curve: readonly [number, number][], step: number): number {
  let e = curve[0]?.[1] ?? Number.NaN;
  for (const [s, v] of curve) if (s <= step) e = v;
  return e;
}
