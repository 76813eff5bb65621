/**
 * One run: a fresh copy of the base, adapted with one method, trained on one task with the
 * protocol every method shares (AdamW betas (0.9, 0.999), no weight decay, batch 128, linear
 * warmup then cosine to lr / 10, global grad-norm clip 1), then measured.
 */
import { backward, noGrad } from '@webgrad/autograd';
import { AdamW, clipGradNorm, cosine, mseLoss, shuffledIndices } from '@webgrad/nn';
import { type Tensor, tensor, tidy } from '@webgrad/tensor';
import { ProgressBar, type ProgressStream } from '../lib/progress-bar.js';
import { cloneBase, recovered, type Task } from './data.js';
import { type MethodKey, type Prepared, prepare } from './methods.js';
import { BASE_SIZES, type GeluMLP, HIDDEN_LAYERS, type HiddenLayer } from './mlp.js';

/** The shared training protocol. */
export const PROTOCOL = { steps: 1000, warmupSteps: 100, batchSize: 128, gradClip: 1, minLrFactor: 0.1 } as const;

export interface RunSpec {
  method: MethodKey;
  r: number;
  lr: number;
  /** Adapter scale s (ignored by `full`). */
  scale: number;
  /** Seeds the adapter init and the data order (the task's seed sets dW*). */
  seed: number;
  steps: number;
  warmupSteps: number;
  batchSize: number;
  /** Validation-curve interval in steps (0: no curve). */
  evalEvery: number;
  /** Constant lr, no warmup or decay (the scale calibration's 10 steps). */
  constantLr?: boolean;
}

export interface RunResult {
  spec: RunSpec;
  arm: string;
  taskSeed: number;
  trainable: number;
  /** [step, R on the first CURVE_SIZE validation rows]. */
  curve: [number, number][];
  /** First curve step with R >= 0.5 (null: never). */
  stepsToHalf: number | null;
  validationR: number;
  testR: number | null;
  /** ||dW - dW*||_F / ||dW*||_F per hidden layer. */
  shiftError: Record<HiddenLayer, number>;
  /** ||dW||_F / ||W0||_F per hidden layer. */
  updateRatio: Record<HiddenLayer, number>;
  finalLoss: number;
  seconds: number;
}

const frob = (t: Tensor) => Math.sqrt(tidy(() => t.square().sum().dataSync()[0] as number));

/** ||dW||_F / ||W0||_F and ||dW - dW*||_F / ||dW*||_F per hidden layer. */
function measureDeltas(p: Prepared, task: Task) {
  return noGrad(() => {
    const d = p.deltas();
    const updateRatio = {} as Record<HiddenLayer, number>;
    const shiftError = {} as Record<HiddenLayer, number>;
    for (const n of HIDDEN_LAYERS) {
      updateRatio[n] = frob(d[n]) / frob(p.w0[n]);
      shiftError[n] = tidy(() => frob(d[n].sub(task.shifts[n]))) / frob(task.shifts[n]);
      d[n].dispose();
    }
    return { updateRatio, shiftError };
  });
}

/**
 * Trains a copy of `base` with `spec` on `task`; `test: false` skips the test set (tuning),
 * `validation: false` the validation set too (the scale calibration).
 * @example const res = await runOnce(base, task, { method: 'lora', r: 16, lr: 1e-2, scale: 1, seed: 1, ...PROTOCOL, evalEvery: 50 });
 */
export async function runOnce(
  base: GeluMLP,
  task: Task,
  spec: RunSpec,
  { test = true, validation = true, stream }: { test?: boolean; validation?: boolean; stream?: ProgressStream } = {},
): Promise<RunResult> {
  const model = cloneBase(base);
  const p = await prepare(model, spec.method, spec.r, spec.scale, spec.seed);
  const opt = new AdamW(p.params, { lr: spec.lr, betas: [0.9, 0.999], weightDecay: 0 });
  const schedule = spec.constantLr
    ? () => spec.lr
    : cosine({
        lr: spec.lr,
        minLr: spec.lr * PROTOCOL.minLrFactor,
        warmupSteps: spec.warmupSteps,
        totalSteps: spec.steps,
      });
  const [nIn, nOut] = [BASE_SIZES[0], BASE_SIZES[BASE_SIZES.length - 1] as number];
  const n = task.train.x.shape[0] as number;
  const [xd, yd] = [task.train.x.dataSync() as Float32Array, task.train.y.dataSync() as Float32Array];
  const b = spec.batchSize;
  const [xb, yb] = [new Float32Array(b * nIn), new Float32Array(b * nOut)];
  let order: number[] = [];
  let cursor = 0;
  let epoch = 0;
  const curve: [number, number][] = [];
  const bar = stream === undefined ? undefined : new ProgressBar(spec.steps, stream);
  let loss = Number.NaN;
  const t0 = performance.now();
  if (spec.evalEvery > 0) curve.push([0, recovered(model, task.curve)]);
  for (let step = 0; step < spec.steps; step++) {
    opt.lr = schedule(step);
    for (let i = 0; i < b; i++) {
      if (cursor >= order.length) [order, cursor] = [shuffledIndices(n, spec.seed * 1000 + epoch++), 0];
      const row = order[cursor++] as number;
      xb.set(xd.subarray(row * nIn, (row + 1) * nIn), i * nIn);
      yb.set(yd.subarray(row * nOut, (row + 1) * nOut), i * nOut);
    }
    model.train();
    const l = tidy(() => {
      const out = mseLoss(model.forward(tensor(xb, { shape: [b, nIn] })), tensor(yb, { shape: [b, nOut] }));
      backward(out);
      clipGradNorm(p.params, PROTOCOL.gradClip);
      opt.step();
      opt.zeroGrad();
      return out;
    });
    loss = (await l.item()) as number;
    l.dispose();
    model.eval();
    if (spec.evalEvery > 0 && (step + 1) % spec.evalEvery === 0) curve.push([step + 1, recovered(model, task.curve)]);
    bar?.update(step + 1, `loss ${loss.toExponential(2)}${curve.length ? ` R ${curve.at(-1)?.[1].toFixed(3)}` : ''}`);
  }
  bar?.done();
  model.eval();
  const seconds = (performance.now() - t0) / 1000;
  const half = curve.find(([, r]) => r >= 0.5);
  const result: RunResult = {
    spec,
    arm: task.arm,
    taskSeed: task.seed,
    trainable: p.trainable,
    curve,
    stepsToHalf: half ? half[0] : null,
    validationR: validation ? recovered(model, task.validation) : Number.NaN,
    testR: test ? recovered(model, task.test) : null,
    ...measureDeltas(p, task),
    finalLoss: loss,
    seconds,
  };
  for (const t of model.parameters()) t.dispose();
  for (const t of Object.values(p.w0)) if (spec.method === 'full') t.dispose();
  opt.zeroGrad();
  return result;
}
