/**
 * The tuning run of `finetune --tune` around the grid of tune.ts: calibrate each adapter's s0, and
 * afterwards write tuning.md / tuning.json with every cell's validation score and the choice per
 * method (the lines to freeze in selected.ts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration } from '../lib/progress-bar.js';
import type { FinetuneArgs } from './args.js';
import type { AdapterFtMethod } from './methods.js';
import { markdownTable, tuningTable } from './report.js';
import type { RunResult } from './run.js';
import {
  CALIBRATION,
  calibratedScales,
  selectBest,
  TUNE_LRS,
  TUNE_SCALE_FACTORS,
  TUNING_SEED,
  updateRatio,
} from './tune.js';

export interface Calibration {
  /** ||dW|| / ||W0|| after CALIBRATION.steps steps at s = 1, per adapter method. */
  ratios: Record<AdapterFtMethod, number>;
  s0: Record<AdapterFtMethod, number>;
}

const ADAPTERS: readonly AdapterFtMethod[] = ['lora', 'hira', 'abba', 'lora2r'];

/** Measures every adapter's update ratio at s = 1 and derives s0 (LoRA at rank r is the reference). */
export async function calibrate(basePath: string, a: FinetuneArgs): Promise<Calibration> {
  const ratios = {} as Record<AdapterFtMethod, number>;
  for (const m of ADAPTERS) {
    ratios[m] = await updateRatio(basePath, m, a);
    console.log(
      `calibration: ${m} ||dW||/||W0|| after ${CALIBRATION.steps} steps at s = 1: ${ratios[m].toExponential(3)}`,
    );
  }
  const s0 = calibratedScales(ratios);
  console.log(`calibrated s0: ${JSON.stringify(s0)}`);
  return { ratios, s0 };
}

/** Writes tuning.md and tuning.json and prints the choice. */
export async function writeTuning(
  out: string,
  a: FinetuneArgs,
  cal: Calibration,
  runs: readonly RunResult[],
  seconds: number,
): Promise<void> {
  const best = selectBest(runs);
  const calTable = markdownTable(
    ['adapter', `||dW||/||W0|| after ${CALIBRATION.steps} steps, s = 1, lr ${CALIBRATION.lr}`, 's0'],
    ADAPTERS.map((m) => [m, cal.ratios[m].toExponential(2), String(cal.s0[m])]),
  );
  const chosen = Object.fromEntries([...best.entries()].map(([m, r]) => [m, { lr: r.lr, scale: r.scale }]));
  const md = [
    '# Fine-tuning: the tuning run (validation set only)',
    '',
    `- grid: lr in {${TUNE_LRS.join(', ')}} x s in s0 x {${TUNE_SCALE_FACTORS.join(', ')}} for every adapter, lr only for ` +
      `full fine-tuning; tuning seed ${TUNING_SEED}; ${a.validationSize} validation pairs; ${a.steps} steps x ${a.batchSize}, ` +
      `warmup ${a.warmupSteps}; budget r = ${a.r}`,
    `- total wall time ${formatDuration(seconds)} (shared 2-core CPU)`,
    '',
    calTable,
    '',
    tuningTable(runs, new Set(best.values())),
    '',
    `Chosen: \`${JSON.stringify(chosen)}\``,
    '',
  ].join('\n');
  console.log(`\n${md}`);
  await writeFile(join(out, 'tuning.md'), md);
  await writeFile(join(out, 'tuning.json'), JSON.stringify({ args: a, calibration: cal, chosen, runs }, null, 1));
  console.log(`wrote ${join(out, 'tuning.md')} and tuning.json`);
}
