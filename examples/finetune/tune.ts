/**
 * Tuning with equal effort for every method (README.md, "Protocol"): the same grid for each adapter,
 * peak lr in TUNE_LRS x scale s in s0 x TUNE_SCALE_FACTORS, where s0 is calibrated per method so
 * that all adapters start at the same update size; full fine-tuning gets the lrs only. Every cell is
 * one run on TUNING_SEED (never reported), scored on the validation set; the best cell per method
 * (highest validation exact match, ties broken by lower validation answer loss) is frozen in
 * selected.ts before any test-set run.
 *
 * Calibration: with Adam, an adapter's first steps move dW in proportion to its scale s (every factor
 * entry moves by about lr per step), times a method-specific factor: 1 for LoRA, the W0-sized
 * B1 A1 for ABBA with the SVD init (paper §3.4), W0 for HiRA. s0 = (LoRA r's ||dW|| / ||W0|| after
 * CALIBRATION.steps steps at s = 1) / (the method's at s = 1), rounded to a power of two, so the grid
 * is centred on the same starting speed for everyone.
 */
import { adapterLayers } from '@webgrad/abba';
import { tidy } from '@webgrad/tensor';
import { loadCheckpoint } from '../tiny-transformer/checkpoint.js';
import { type AdapterFtMethod, type FtMethod, prepareMethod } from './methods.js';
import type { RunResult } from './run.js';
import { SUBTRACTION } from './task.js';
import { finetune } from './train.js';

/** The tuning runs' seed (adapter init and data order); the reported seeds are others (0-4). */
export const TUNING_SEED = 1000;
/** Peak learning rates of the grid (every method). */
export const TUNE_LRS = [1e-2, 3e-2] as const;
/** Scale factors of the grid, times each adapter's calibrated s0. */
export const TUNE_SCALE_FACTORS = [1, 4] as const;
/** Calibration: steps of the real schedule at this peak lr, s = 1. */
export const CALIBRATION = { lr: 1e-2, steps: 10 } as const;

export interface Schedule {
  r: number;
  steps: number;
  batchSize: number;
  warmupSteps: number;
  gradClip: number;
}

function sumSq(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] as number) ** 2;
  return s;
}

/**
 * ||dW||_F / ||W0||_F over all adapted layers after CALIBRATION.steps steps at scale s = 1.
 * @example await updateRatio(base, 'abba', { r: 8, steps: 300, batchSize: 64, warmupSteps: 30, gradClip: 1 })
 */
export async function updateRatio(basePath: string, method: AdapterFtMethod, sched: Schedule): Promise<number> {
  const { model, tokenizer: tok } = await loadCheckpoint(basePath, 'cpu');
  const prepared = await prepareMethod(model, method, { r: sched.r, seed: TUNING_SEED, scale: 1 });
  await finetune(model, tok, SUBTRACTION, prepared.params, {
    steps: sched.steps,
    batchSize: sched.batchSize,
    lr: CALIBRATION.lr,
    warmupSteps: sched.warmupSteps,
    gradClip: sched.gradClip,
    seed: TUNING_SEED,
    stopAfter: CALIBRATION.steps,
  });
  const layers = adapterLayers(model).map(([, l]) => l);
  const w0 = layers.reduce((a, l) => a + sumSq(l.originalWeight.dataSync()), 0);
  const dw = layers.reduce((a, l) => a + tidy(() => sumSq(l.deltaWeight().dataSync())), 0);
  return Math.sqrt(dw / w0);
}

/** The power of two nearest to x (in log scale). */
export function nearestPowerOfTwo(x: number): number {
  if (!(x > 0 && Number.isFinite(x))) throw new Error(`nearestPowerOfTwo: expected a positive number, got ${x}`);
  return 2 ** Math.round(Math.log2(x));
}

/** s0 per adapter method from the measured update ratios at s = 1 (LoRA at rank r is the reference). */
export function calibratedScales(ratios: Record<AdapterFtMethod, number>): Record<AdapterFtMethod, number> {
  const ref = ratios.lora;
  const out = {} as Record<AdapterFtMethod, number>;
  for (const [m, v] of Object.entries(ratios) as [AdapterFtMethod, number][]) out[m] = nearestPowerOfTwo(ref / v);
  return out;
}

/** One cell of the grid. */
export interface TuneCell {
  method: FtMethod;
  lr: number;
  /** Absent for full fine-tuning. */
  scale?: number;
}

/**
 * The grid for `methods`: every lr x every s0 x factor for adapters, every lr for full fine-tuning;
 * the same number of cells for every adapter.
 * @example tuneGrid(['full', 'lora'], { lora: 1, hira: 8, abba: 8, lora2r: 1 }).length // 2 + 4
 */
export function tuneGrid(methods: readonly FtMethod[], s0: Record<AdapterFtMethod, number>): TuneCell[] {
  const cells: TuneCell[] = [];
  for (const method of methods)
    for (const lr of TUNE_LRS)
      if (method === 'full') cells.push({ method, lr });
      else for (const f of TUNE_SCALE_FACTORS) cells.push({ method, lr, scale: s0[method] * f });
  return cells;
}

/**
 * The best tuning run per method: highest validation exact match, then lowest validation loss.
 * @example selectBest(runs).get('abba')?.lr
 */
export function selectBest(runs: readonly RunResult[]): Map<FtMethod, RunResult> {
  const best = new Map<FtMethod, RunResult>();
  for (const r of runs) {
    if (r.validation === undefined) throw new Error(`selectBest: run ${r.label} lr ${r.lr} has no validation score`);
    const b = best.get(r.method);
    const v = r.validation;
    const bv = b?.validation;
    if (!bv || v.accuracy > bv.accuracy || (v.accuracy === bv.accuracy && v.loss < bv.loss)) best.set(r.method, r);
  }
  return best;
}
