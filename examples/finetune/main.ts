/**
 * `pnpm --filter examples finetune`: experiment 2, the ABBA paper's (arXiv 2505.14238) accuracy
 * claim in miniature. The tiny GPT pretrained on 3-digit addition is adapted to subtraction by
 * full fine-tuning, LoRA, HiRA and ABBA at matched trainable-parameter budgets, several seeds
 * each, the same step budget, learning rates tuned per method; reports held-out exact match on
 * subtraction and on addition (forgetting), trainable parameters, time and memory.
 * Writes results.md, results.json, loss.svg, accuracy.svg, base.safetensors and
 * finetuned.safetensors (full fine-tuning, first seed: the reconstruction experiment's
 * `--real-updates` input) and adapters/<method>/ to the output folder. Options: args.ts.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runExample } from '../lib/cli.js';
import { formatDuration, ProgressBar } from '../lib/progress-bar.js';
import { loadCheckpoint } from '../tiny-transformer/checkpoint.js';
import { type FinetuneArgs, parseFinetuneArgs } from './args.js';
import { ensureBase, verifyBase } from './base-model.js';
import { evaluateTask } from './batch-eval.js';
import { accuracyBarsSvg, lossCurvesSvg } from './plots.js';
import { pairedTable, resultsTable, summarize, sweepTable } from './report.js';
import { type RunConfig, type RunResult, runOne } from './run.js';
import { ADDITION, SUBTRACTION } from './task.js';
import { TUNING_SEED, tuneGrid } from './tune.js';
import { type Calibration, calibrate, writeTuning } from './tuning-run.js';

/** The paired comparisons reported: the paper's claim first, then the references. */
const PAIRS = [
  ['abba', 'lora'],
  ['abba', 'hira'],
  ['lora2r', 'lora'],
  ['full', 'lora'],
] as const;

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'worker.js');

/** Runs `config` in a child process (its own time and memory) and returns its result. */
async function runInChild(config: RunConfig, scratch: string, id: number): Promise<RunResult> {
  const cfg = join(scratch, `run-${id}.json`);
  const res = join(scratch, `result-${id}.json`);
  await writeFile(cfg, JSON.stringify(config));
  const code = await new Promise<number | null>((ok, fail) => {
    const child = spawn(process.execPath, [WORKER, cfg, res], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', ok);
  });
  if (code !== 0) throw new Error(`finetune: run ${config.method} seed ${config.seed} failed (exit code ${code})`);
  return JSON.parse(await readFile(res, 'utf8')) as RunResult;
}

async function runInProcess(config: RunConfig): Promise<RunResult> {
  const bar = new ProgressBar(config.steps);
  const r = await runOne(config, (step, loss) => bar.update(step + 1, `loss ${loss.toFixed(4)}`));
  bar.done();
  return r;
}

async function experiment(args: FinetuneArgs): Promise<void> {
  const t0 = performance.now();
  const out = resolve(args.out);
  await mkdir(out, { recursive: true });
  const base = await ensureBase(resolve(args.base), { steps: args.pretrainSteps, device: args.device });
  if (args.baseSha256 !== undefined) await verifyBase(base.path, args.baseSha256);
  const { model, tokenizer: tok } = await loadCheckpoint(base.path, args.device);
  const baseParams = model.parameters().reduce((n, p) => n + p.size, 0);
  // Tuning never looks at the test set, not even the base model's score on it.
  const testPairs = args.tune ? [] : SUBTRACTION.testPairs(args.testSize);
  const before = {
    subtraction: await evaluateTask(model, tok, SUBTRACTION, testPairs, { samples: 3 }),
    addition: await evaluateTask(model, tok, ADDITION, ADDITION.testPairs(args.testSize)),
  };
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(`base: ${base.path} (${base.source}), ${baseParams.toLocaleString('en-US')} parameters`);
  console.log(
    `before adaptation: addition ${pct(before.addition.accuracy)}, subtraction ${pct(before.subtraction.accuracy)} ` +
      `(e.g. ${before.subtraction.samples.join('; ')})`,
  );
  await copyFile(base.path, join(out, 'base.safetensors'));

  // A sweep runs a grid: learning rates (--sweep) x scales (--sweep-scale, adapters only).
  const sweep = args.sweep !== undefined || args.sweepScale !== undefined;
  const plan: RunConfig[] = [];
  const common = { basePath: base.path, r: args.r, abbaInit: args.abbaInit, ...pick(args) };
  let calibration: Calibration | undefined;
  if (args.tune) {
    calibration = await calibrate(base.path, args);
    for (const cell of tuneGrid(args.methods, calibration.s0))
      plan.push({ ...common, ...cell, seed: TUNING_SEED, evaluate: 'validation' });
  } else
    for (const method of args.methods)
      for (const lr of args.sweep ?? [args.lr[method]])
        for (const scale of method === 'full' ? [undefined] : (args.sweepScale ?? [args.scale[method]]))
          for (const seed of args.seeds) {
            const first = !sweep && seed === args.seeds[0];
            const savePath = !first
              ? undefined
              : method === 'full'
                ? join(out, 'finetuned.safetensors')
                : join(out, 'adapters', method);
            plan.push({
              basePath: base.path,
              method,
              r: args.r,
              ...(scale === undefined ? {} : { scale }),
              abbaInit: args.abbaInit,
              seed,
              lr,
              savePath,
              ...pick(args),
            });
          }
  console.log(
    `${plan.length} runs: ${args.steps} steps x ${args.batchSize} examples each, budget r = ${args.r}, ` +
      `${args.inProcess ? 'in this process' : 'one child process per run'}`,
  );
  const scratch = await mkdtemp(join(tmpdir(), 'webgrad-finetune-'));
  const runs: RunResult[] = [];
  try {
    for (const [i, config] of plan.entries()) {
      const s = config.scale === undefined ? '' : ` s ${config.scale}`;
      console.log(`[${i + 1}/${plan.length}] ${config.method} seed ${config.seed} lr ${config.lr}${s}`);
      const r = args.inProcess ? await runInProcess(config) : await runInChild(config, scratch, i);
      const scores = r.validation
        ? `validation ${pct(r.validation.accuracy)} (loss ${r.validation.loss.toFixed(4)})`
        : `subtraction ${pct(r.subtraction)}, addition ${pct(r.addition)}`;
      console.log(
        `  ${scores}, ${r.trainable} trainable, ` +
          `${r.trainSeconds.toFixed(1)} s train + ${r.evalSeconds.toFixed(1)} s eval`,
      );
      runs.push(r);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  const totalS = (performance.now() - t0) / 1000;
  if (calibration !== undefined) {
    await writeTuning(out, args, calibration, runs, totalS);
    return;
  }
  const summaries = summarize(runs);
  const table = sweep ? sweepTable(summaries) : resultsTable(summaries, baseParams);
  const header = [
    `# Fine-tuning the tiny GPT from addition to subtraction${sweep ? ': sweep (learning rate x scale)' : ''}`,
    '',
    `- base: ${base.source === 'loaded' ? 'loaded' : 'pretrained in this run'}, ${base.steps} steps, ` +
      `${baseParams.toLocaleString('en-US')} parameters; before adaptation: addition ${pct(before.addition.accuracy)}, ` +
      `subtraction ${pct(before.subtraction.accuracy)} (held out, ${args.testSize} pairs each)`,
    `- ${args.steps} steps x ${args.batchSize} examples, AdamW (0.9, 0.98), no weight decay, warmup ${args.warmupSteps} ` +
      `then cosine to lr/10, grad clip ${args.gradClip}; seeds ${args.seeds.join(', ')}; device ${args.device}`,
    `- budget r = ${args.r} on cAttn, cProj (attention and MLP), cFc of both blocks; ABBA init ${args.abbaInit}; ` +
      `memory: ${args.inProcess ? 'one process for all runs' : 'one process per run'}`,
    `- total wall time ${formatDuration(totalS)} (shared 2-core CPU: times are noisy)`,
    '',
  ].join('\n');
  const paired = sweep ? '' : `\n\nPaired differences (same seeds):\n\n${pairedTable(summaries, PAIRS)}`;
  console.log(`\n${table}${paired}\n`);
  const name = sweep ? 'sweep' : 'results';
  await writeFile(join(out, `${name}.md`), `${header}\n${table}${paired}\n`);
  await writeFile(join(out, `${name}.json`), JSON.stringify({ args, base, before: summaryOf(before), runs }, null, 1));
  await writeFile(join(out, `${sweep ? 'sweep-' : ''}loss.svg`), lossCurvesSvg(runs, 'fine-tuning on subtraction'));
  const written = [`${name}.md`, `${name}.json`, `${sweep ? 'sweep-' : ''}loss.svg`];
  if (!sweep) {
    await writeFile(join(out, 'accuracy.svg'), accuracyBarsSvg(summaries, 'held-out exact match after adaptation'));
    written.push('accuracy.svg', 'base.safetensors');
    if (args.methods.includes('full')) written.push('finetuned.safetensors');
    if (args.methods.some((m) => m !== 'full')) written.push('adapters/<method>/');
  }
  console.log(`wrote ${written.map((f) => join(out, f)).join('\n      ')}\ntotal ${formatDuration(totalS)}`);
}

function pick(a: FinetuneArgs) {
  const { steps, batchSize, warmupSteps, gradClip, testSize, validationSize, device } = a;
  return { steps, batchSize, warmupSteps, gradClip, testSize, validationSize, device };
}

function summaryOf(b: Record<string, { accuracy: number; samples: string[] }>) {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, { accuracy: v.accuracy, samples: v.samples }]));
}

await runExample(parseFinetuneArgs, experiment);
