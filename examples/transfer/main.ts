/**
 * Experiment 3: does ABBA fine-tune better than LoRA at the same parameter count (arXiv 2505.14238)?
 * A pretrained MLP, a planted per-layer shift of known spectrum, equal-effort tuning on a seed that
 * is never reported, five fresh seeds, paired intervals. See README.md for the protocol.
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runExample } from '../lib/cli.js';
import { formatDuration } from '../lib/progress-bar.js';
import { parseTransferArgs, type TransferArgs } from './args.js';
import { ensureBase } from './base-model.js';
import { disposeTask, makeTask } from './data.js';
import { evaluate } from './evaluate.js';
import { GRID_SLOTS, PRIMARY_R, STAGES, TRANSFERRED } from './plan.js';
import { type ReconstructionRow, reconstructShifts } from './reconstruct.js';
import { baseSpectra, writeReport } from './report.js';
import { TUNING_SEED, type Tuned, tune } from './tune.js';

async function main(args: TransferArgs): Promise<void> {
  const t0 = performance.now();
  await mkdir(args.out, { recursive: true });
  const logFile = createWriteStream(join(args.out, 'transfer.log'), { flags: 'a' });
  const log = (s: string) => {
    console.log(s);
    logFile.write(`${new Date().toISOString()} ${s}\n`);
  };
  const { model: base, info } = await ensureBase(join(args.out, 'base.safetensors'), log);
  log(
    `base ${info.source}: sha256 ${info.sha256.slice(0, 16)}..., held-out MSE/Var ${info.heldOutRelativeMse.toFixed(4)}`,
  );
  await mkdir(args.results, { recursive: true });
  const spectra = await baseSpectra(base, info);
  await writeFile(join(args.results, 'base.json'), `${JSON.stringify(spectra, null, 1)}\n`);

  let tuned: Tuned;
  if (existsSync(args.tuned) && !args.retune && args.phase !== 'tune') {
    tuned = JSON.parse(readFileSync(args.tuned, 'utf8')) as Tuned;
    if (tuned.baseSha256 !== info.sha256)
      throw new Error(
        `${args.tuned} was tuned on base ${tuned.baseSha256.slice(0, 16)}..., this base is ${info.sha256.slice(0, 16)}...: ` +
          'restore that checkpoint, or tune again with --retune (then the frozen choice changes)',
      );
    log(`using the frozen tuning choice ${args.tuned}`);
  } else if (args.phase === 'eval' || args.phase === 'report') {
    throw new Error(`${args.tuned} is missing: run --phase tune first`);
  } else {
    log(`tuning on arm P, seed ${TUNING_SEED} (never reported): ${GRID_SLOTS.join(', ')}`);
    const task = await makeTask(base, 'P', TUNING_SEED);
    tuned = await tune(base, task, info.sha256, {
      gridSlots: GRID_SLOTS,
      transferred: TRANSFERRED,
      steps: args.steps,
      warmupSteps: args.warmupSteps,
      batchSize: args.batchSize,
      evalEvery: args.evalEvery,
      outDir: join(args.out, 'tune'),
      log,
      stream: process.stderr,
    });
    disposeTask(task);
    await writeFile(args.tuned, `${JSON.stringify(tuned, null, 2)}\n`);
    log(`froze the tuning choice in ${args.tuned}`);
  }
  if (args.phase === 'tune') return;

  const runsDir = join(args.out, 'runs');
  if (args.phase !== 'report') {
    const complete = await evaluate(base, tuned, {
      stages: STAGES.filter((s) => args.stages.includes(s.name)),
      seeds: args.seeds,
      steps: args.steps,
      warmupSteps: args.warmupSteps,
      batchSize: args.batchSize,
      evalEvery: args.evalEvery,
      runsDir,
      deadline: Date.now() + args.budgetMinutes * 60_000,
      log,
      stream: process.stderr,
    });
    if (!complete) log('evaluation stopped at the time budget; the report covers the completed runs');
  }
  const reconFile = join(args.results, 'reconstruction.json');
  let reconstruction: ReconstructionRow[];
  if (existsSync(reconFile)) reconstruction = JSON.parse(readFileSync(reconFile, 'utf8')) as ReconstructionRow[];
  else {
    log(`fitting each arm's dW* (fc1, seed ${args.seeds[0]}) with the reconstruction fitter at r = ${PRIMARY_R}...`);
    reconstruction = await reconstructShifts(base, args.seeds[0] as number, [PRIMARY_R], log);
    await writeFile(reconFile, `${JSON.stringify(reconstruction, null, 1)}\n`);
  }
  await writeReport({
    runsDir,
    results: args.results,
    tuned,
    spectra,
    seeds: args.seeds,
    steps: args.steps,
    reconstruction,
    log,
  });
  log(`done in ${formatDuration((performance.now() - t0) / 1000)}`);
  logFile.end();
}

await runExample(parseTransferArgs, main);
