/**
 * `pnpm --filter examples train-arith`: trains a tiny GPT to add 3-digit numbers, evaluates
 * exact-match accuracy on a held-out set with batched greedy decoding, and writes the checkpoint
 * (safetensors) and the loss curve (SVG). `--eval-only --checkpoint PATH` reloads a checkpoint and
 * reports its accuracy. Options and defaults: args.ts; the task: data.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GPT } from '@webgrad/nn';
import { runExample } from '../lib/cli.js';
import { linePlotSvg } from '../lib/plot-svg.js';
import { formatDuration, ProgressBar } from '../lib/progress-bar.js';
import { type ArithArgs, parseArithArgs } from './args.js';
import { ADDITION_FORMAT, arithConfig, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { DEFAULT_SPLIT, formatExample, testPairs } from './data.js';
import { evaluate } from './evaluate.js';
import { CharTokenizer } from './tokenizer.js';
import { train } from './train.js';

async function runTraining(args: ArithArgs): Promise<void> {
  const tok = new CharTokenizer();
  const config = arithConfig(args, tok, args.device, args.seed);
  const model = new GPT(config);
  const nParams = model.parameters().reduce((n, p) => n + p.size, 0);
  console.log(`task: ${formatExample(357, 68)} (357 + 68 = 425, sum reversed); vocab '${tok.vocab}'`);
  console.log(
    `model: GPT nLayer ${args.nLayer}, nHead ${args.nHead}, nEmbd ${args.nEmbd}, gelu ${args.gelu}: ${nParams} parameters on ${args.device}`,
  );
  console.log(
    `train: ${args.steps} steps x ${args.batchSize} examples, AdamW lr ${args.lr} (warmup ${args.warmupSteps}, cosine to ${args.minLr}), weight decay ${args.weightDecay}`,
  );
  const bar = new ProgressBar(args.steps);
  const t0 = performance.now();
  let tokens = 0;
  let ema: number | undefined;
  // Periodic evaluation on a small held-out subset: read-only (greedy decoding, no dropout, no
  // random numbers), so training is the same with or without it; its time is left out of the
  // training time and tokens/s.
  const subset = args.evalEvery > 0 ? testPairs(Math.min(args.evalSubset, args.testSize)) : [];
  let evalMs = 0;
  let firstAt95: number | undefined;
  const losses = await train(model, tok, { ...args, split: DEFAULT_SPLIT }, async ({ step, loss, tokens: n }) => {
    tokens += n;
    ema = ema === undefined ? loss : 0.95 * ema + 0.05 * loss;
    const s = (performance.now() - t0 - evalMs) / 1000;
    bar.update(step + 1, `loss ${ema.toFixed(4)} | ${Math.round(tokens / s)} tok/s`);
    if (subset.length && (step + 1) % args.evalEvery === 0 && step + 1 < args.steps) {
      const te = performance.now();
      const r = await evaluate(model, tok, subset);
      model.train();
      evalMs += performance.now() - te;
      if (firstAt95 === undefined && r.accuracy >= 0.95) firstAt95 = step + 1;
      bar.done();
      console.log(
        `  step ${step + 1}: held-out subset ${r.correct}/${r.total} = ${(100 * r.accuracy).toFixed(1)}%, loss (avg) ${ema.toFixed(4)}, ${s.toFixed(0)} s`,
      );
    }
  });
  bar.done();
  const trainS = (performance.now() - t0 - evalMs) / 1000;
  console.log(
    `trained in ${formatDuration(trainS)} (${trainS.toFixed(1)} s, ${Math.round(tokens / trainS)} tokens/s` +
      `${evalMs ? `; periodic evals ${(evalMs / 1000).toFixed(1)} s more` : ''})`,
  );
  if (subset.length)
    console.log(`first periodic eval >= 95% on the subset: ${firstAt95 === undefined ? 'none' : `step ${firstAt95}`}`);

  const t1 = performance.now();
  const result = await evaluate(model, tok, testPairs(args.testSize));
  const evalS = (performance.now() - t1) / 1000;
  report(result, evalS);

  const out = resolve(args.out);
  await mkdir(out, { recursive: true });
  const ckpt = join(out, 'model.safetensors');
  await saveCheckpoint(ckpt, model, {
    config,
    tokenizer: tok,
    extra: {
      task: ADDITION_FORMAT,
      heldOut: JSON.stringify(DEFAULT_SPLIT),
      testSize: result.total,
      accuracy: result.accuracy,
      steps: args.steps,
      finalLoss: losses.at(-1) ?? Number.NaN,
      trainSeconds: trainS.toFixed(1),
    },
  });
  const plot = join(out, 'loss.svg');
  await writeFile(plot, lossPlot(losses, result.accuracy));
  console.log(`wrote ${ckpt}\nwrote ${plot}`);
}

/** Per-step loss and its moving average, log scale. */
function lossPlot(losses: readonly number[], accuracy: number): string {
  let ema = losses[0] ?? 0;
  const smooth = losses.map((l, i): [number, number] => {
    ema = 0.95 * ema + 0.05 * l;
    return [i + 1, ema];
  });
  return linePlotSvg(
    [
      { name: 'loss', points: losses.map((l, i) => [i + 1, l]), color: '#9ecae1' },
      { name: 'moving average', points: smooth, color: '#08519c' },
    ],
    {
      title: `tiny transformer, 3-digit addition: held-out exact match ${(accuracy * 100).toFixed(1)}%`,
      xLabel: 'step',
      yLabel: 'cross-entropy on answer tokens (log scale)',
      logY: true,
    },
  );
}

function report(r: { correct: number; total: number; accuracy: number; mistakes: string[] }, seconds: number): void {
  console.log(
    `held-out exact match: ${r.correct}/${r.total} = ${(r.accuracy * 100).toFixed(1)}% (greedy, batched, ${seconds.toFixed(1)} s)`,
  );
  if (r.mistakes.length) console.log(`  some mistakes: ${r.mistakes.join(', ')}`);
}

async function runEvalOnly(args: ArithArgs): Promise<void> {
  const path = resolve(args.checkpoint as string);
  const { model, tokenizer, metadata } = await loadCheckpoint(path, args.device);
  console.log(`loaded ${path}: ${metadata.config}; accuracy at save time ${metadata.accuracy ?? '?'}`);
  const t0 = performance.now();
  report(await evaluate(model, tokenizer, testPairs(args.testSize)), (performance.now() - t0) / 1000);
}

await runExample(parseArithArgs, (args) => (args.evalOnly ? runEvalOnly(args) : runTraining(args)));
