/** The training loop: AdamW, linear warmup + cosine decay, gradient clipping, answer-only loss. */
import { backward } from '@webgrad/autograd';
import { AdamW, clipGradNorm, cosine, crossEntropy, type GPT } from '@webgrad/nn';
import { type Tensor, tidy } from '@webgrad/tensor';
import { CONTEXT_LEN, IGNORE, makeBatch } from './batch.js';
import { DEFAULT_SPLIT, type SplitOptions, trainSampler } from './data.js';
import type { CharTokenizer } from './tokenizer.js';

export interface TrainOptions {
  steps: number;
  batchSize: number;
  /** Peak learning rate, reached after `warmupSteps`, decayed by a cosine to `minLr` at `steps`. */
  lr: number;
  minLr: number;
  warmupSteps: number;
  /** AdamW's decoupled decay, applied to matrices only (not to biases, norms: nanoGPT's grouping). */
  weightDecay: number;
  /** Global gradient-norm clip. */
  gradClip: number;
  /** Seeds the training sampler. */
  seed: number;
  split?: SplitOptions;
}

export interface StepInfo {
  step: number;
  loss: number;
  lr: number;
  /** Tokens the model read in this step (batch x context). */
  tokens: number;
}

/**
 * Trains `model` in place; calls (and awaits) `onStep` after every step with the loss (read back
 * to JS, so on WebGPU each step waits for its work: fine at this size). Leaves the model in eval
 * mode. Returns the per-step losses.
 */
export async function train(
  model: GPT,
  tok: CharTokenizer,
  opts: TrainOptions,
  onStep?: (info: StepInfo) => void | Promise<void>,
): Promise<number[]> {
  const params = model.namedParameters();
  const opt = new AdamW(
    [
      { params: params.filter(([, p]) => p.ndim >= 2).map(([, p]) => p), weightDecay: opts.weightDecay },
      { params: params.filter(([, p]) => p.ndim < 2).map(([, p]) => p), weightDecay: 0 },
    ],
    { lr: opts.lr, betas: [0.9, 0.98] },
  );
  const schedule = cosine({
    lr: opts.lr,
    minLr: opts.minLr,
    warmupSteps: opts.warmupSteps,
    totalSteps: Math.max(opts.steps, opts.warmupSteps + 1),
  });
  const next = trainSampler(opts.seed, opts.split ?? DEFAULT_SPLIT);
  const device = model.parameters()[0]?.device;
  const losses: number[] = [];
  model.train();
  for (let step = 0; step < opts.steps; step++) {
    opt.lr = schedule(step);
    const pairs = Array.from({ length: opts.batchSize }, next);
    const loss: Tensor = tidy(() => {
      const { x, y } = makeBatch(pairs, tok, device);
      const l = crossEntropy(model.forward(x), y, { ignoreIndex: IGNORE });
      backward(l);
      clipGradNorm(model.parameters(), opts.gradClip);
      opt.step();
      opt.zeroGrad();
      return l;
    });
    const value = (await loss.item()) as number;
    loss.dispose();
    losses.push(value);
    // Awaited, so a callback may evaluate the model between steps without racing the updates.
    await onStep?.({ step, loss: value, lr: opt.lr, tokens: opts.batchSize * CONTEXT_LEN });
  }
  model.eval();
  return losses;
}
