/**
 * The fine-tuning loop, the same for every method: AdamW on the given parameters (no weight decay,
 * so full fine-tuning is not pulled towards zero and adapters are not pulled off their
 * initialisation), linear warmup then cosine decay to lr / 10, global grad-norm clip, loss on the
 * answer tokens only. Measures wall time and memory: live tensor bytes on the model's device
 * (`memory()`, sampled right after backward, when activations, gradients and optimiser state are
 * all alive) and the process's resident set size (sampled every step).
 */
import { backward } from '@webgrad/autograd';
import { AdamW, clipGradNorm, cosine, crossEntropy, type GPT } from '@webgrad/nn';
import { memory, type Tensor, tidy } from '@webgrad/tensor';
import { CONTEXT_LEN, IGNORE } from '../tiny-transformer/batch.js';
import type { CharTokenizer } from '../tiny-transformer/tokenizer.js';
import { makeTaskBatch } from './batch-eval.js';
import type { ArithTask } from './task.js';

export interface FinetuneOptions {
  steps: number;
  batchSize: number;
  /** Peak learning rate. */
  lr: number;
  /** Linear warmup steps (then cosine decay to lr / 10 at `steps`). */
  warmupSteps: number;
  gradClip: number;
  /** Seeds the training sampler (data order). */
  seed: number;
  /** Stop after this many steps of the `steps`-step schedule (inspection of early training). */
  stopAfter?: number;
}

export interface FinetuneResult {
  losses: number[];
  seconds: number;
  /** Max over steps of live tensor bytes on the model's device, sampled after backward. */
  peakTensorBytes: number;
  /** Max over steps of process.memoryUsage.rss() (the whole process, so earlier runs count too). */
  peakRssBytes: number;
}

/**
 * Trains `params` of `model` on `task` in place and leaves the model in eval mode.
 * @example const r = await finetune(gpt, tok, SUBTRACTION, params, { steps: 300, batchSize: 64, lr: 1e-2, warmupSteps: 30, gradClip: 1, seed: 0 });
 */
export async function finetune(
  model: GPT,
  tok: CharTokenizer,
  task: ArithTask,
  params: Tensor[],
  opts: FinetuneOptions,
  onStep?: (step: number, loss: number) => void,
): Promise<FinetuneResult> {
  const opt = new AdamW([{ params, weightDecay: 0 }], { lr: opts.lr, betas: [0.9, 0.98] });
  const warmupSteps = Math.min(opts.warmupSteps, Math.max(0, opts.steps - 1));
  const schedule = cosine({
    lr: opts.lr,
    minLr: opts.lr / 10,
    warmupSteps,
    totalSteps: Math.max(opts.steps, warmupSteps + 1),
  });
  const next = task.sampler(opts.seed);
  const device = params[0]?.device ?? 'cpu';
  const losses: number[] = [];
  let peakTensorBytes = 0;
  let peakRssBytes = process.memoryUsage.rss();
  const t0 = performance.now();
  model.train();
  const stop = Math.min(opts.steps, opts.stopAfter ?? opts.steps);
  for (let step = 0; step < stop; step++) {
    opt.lr = schedule(step);
    const pairs = Array.from({ length: opts.batchSize }, next);
    const loss: Tensor = tidy(() => {
      const { x, y } = makeTaskBatch(task, pairs, tok, device);
      const l = crossEntropy(model.forward(x), y, { ignoreIndex: IGNORE });
      backward(l);
      peakTensorBytes = Math.max(peakTensorBytes, memory()[device]?.bytes ?? 0);
      clipGradNorm(params, opts.gradClip);
      opt.step();
      opt.zeroGrad();
      return l;
    });
    const value = (await loss.item()) as number;
    loss.dispose();
    losses.push(value);
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
    onStep?.(step, value);
  }
  const seconds = (performance.now() - t0) / 1000;
  model.eval();
  return { losses, seconds, peakTensorBytes, peakRssBytes };
}

/** Tokens read per step (for throughput lines). */
export function tokensPerStep(batchSize: number): number {
  return batchSize * CONTEXT_LEN;
}
