/**
 * Tuning with equal effort, on a task seed that is never reported (TUNING_SEED, arm P):
 * 1. calibrate each adapter's scale s0 so that ||dW|| / ||W0|| (mean over the two hidden layers)
 *    after 10 steps at constant lr 1e-2 equals LoRA r's at s = 1;
 * 2. run the same grid lr ∈ {3e-3, 1e-2, 3e-2} x s ∈ s0 · {1/4, 1, 4} for every tuned adapter
 *    (the three lrs for full fine-tuning), the full 1000-step protocol each;
 * 3. pick the best validation R (at step 1000) per method and freeze the choice in tuned.json.
 * Runs are written one JSON file each as they finish, so an interrupted tuning resumes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task } from './data.js';
import { type AdapterKey, type MethodKey, methodLabel } from './methods.js';
import type { GeluMLP } from './mlp.js';
import { PROTOCOL, type RunResult, type RunSpec, runOnce } from './train.js';

/** The task seed of tuning (never an evaluation seed). */
export const TUNING_SEED = 0;
export const GRID_LRS = [3e-3, 1e-2, 3e-2] as const;
export const GRID_SCALE_FACTORS = [0.25, 1, 4] as const;
export const CALIBRATION = { steps: 10, lr: 1e-2, tolerance: 0.02, maxIterations: 8 } as const;

/** A (method, budget) pair: `lora@16`. */
export type Slot = `${MethodKey}@${number}`;
export const slotOf = (key: MethodKey, r: number): Slot => `${key}@${r}`;

export interface Choice {
  lr: number;
  /** The chosen s (full: 1, unused). */
  scale: number;
  /** The chosen multiple of s0. */
  factor: number;
  validationR: number;
  /** 'grid': tuned on the grid; 'transferred': lr and factor of `from`, s = factor * own s0. */
  how: 'grid' | 'transferred';
  from?: Slot;
}

export interface Tuned {
  baseSha256: string;
  tuningSeed: number;
  arm: string;
  /** s0 per adapter slot, and the ||dW|| / ||W0|| it gives after the calibration steps. */
  s0: Record<string, { s0: number; ratio: number; target: number }>;
  grid: { slot: Slot; lr: number; factor: number; scale: number; validationR: number; seconds: number }[];
  choice: Record<string, Choice>;
}

export interface TuneOptions {
  /** Slots tuned on the grid. */
  gridSlots: Slot[];
  /** Slots that take the lr and factor of another slot's choice: [slot, from]. */
  transferred: [Slot, Slot][];
  steps: number;
  warmupSteps: number;
  batchSize: number;
  evalEvery: number;
  outDir: string;
  log: (s: string) => void;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

const parseSlot = (slot: Slot): [MethodKey, number] => {
  const [k, r] = slot.split('@');
  return [k as MethodKey, Number(r)];
};

/** Mean ||dW|| / ||W0|| after the calibration steps at scale `s`. */
async function calibrationRatio(base: GeluMLP, task: Task, key: MethodKey, r: number, s: number): Promise<number> {
  const spec: RunSpec = {
    method: key,
    r,
    lr: CALIBRATION.lr,
    scale: s,
    seed: TUNING_SEED,
    steps: CALIBRATION.steps,
    warmupSteps: 0,
    batchSize: PROTOCOL.batchSize,
    evalEvery: 0,
    constantLr: true,
  };
  const res = await runOnce(base, task, spec, { test: false, validation: false });
  const v = Object.values(res.updateRatio);
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/**
 * s0 of `key` at budget `r`: ratio(s) = target by a secant iteration in log-log (ratio ∝ s^p
 * locally; p starts at 1, the exact exponent when one factor starts at zero).
 */
export async function calibrateScale(
  base: GeluMLP,
  task: Task,
  key: AdapterKey,
  r: number,
  target: number,
): Promise<{ s0: number; ratio: number }> {
  let [s, ratio] = [1, await calibrationRatio(base, task, key, r, 1)];
  let p = 1;
  for (let i = 0; i < CALIBRATION.maxIterations && Math.abs(ratio / target - 1) > CALIBRATION.tolerance; i++) {
    const next = s * (target / ratio) ** (1 / p);
    const nextRatio = await calibrationRatio(base, task, key, r, next);
    const slope = Math.log(nextRatio / ratio) / Math.log(next / s);
    if (Number.isFinite(slope) && slope > 0.1) p = slope;
    [s, ratio] = [next, nextRatio];
  }
  return { s0: s, ratio };
}

function readJson<T>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

/**
 * Runs the calibration and the grid on `task` (arm P, TUNING_SEED) and returns the frozen choice.
 * @example const tuned = await tune(base, task, baseSha, { gridSlots: ['lora@16'], ... });
 */
export async function tune(base: GeluMLP, task: Task, baseSha256: string, o: TuneOptions): Promise<Tuned> {
  await mkdir(o.outDir, { recursive: true });
  const adapterSlots = [...o.gridSlots, ...o.transferred.map(([s]) => s)].filter((s) => !s.startsWith('full'));
  const budgets = [...new Set(adapterSlots.map((s) => parseSlot(s)[1]))];
  const s0: Tuned['s0'] = {};
  for (const r of budgets) {
    const target = await calibrationRatio(base, task, 'lora', r, 1);
    for (const slot of adapterSlots.filter((s) => parseSlot(s)[1] === r)) {
      const [key] = parseSlot(slot);
      const c =
        key === 'lora' ? { s0: 1, ratio: target } : await calibrateScale(base, task, key as AdapterKey, r, target);
      s0[slot] = { ...c, target };
      o.log(
        `  s0 ${methodLabel(key, r)}: ${c.s0.toPrecision(4)} (||dW||/||W0|| ${c.ratio.toExponential(3)}, LoRA ${target.toExponential(3)})`,
      );
    }
  }
  const grid: Tuned['grid'] = [];
  for (const slot of o.gridSlots) {
    const [key, r] = parseSlot(slot);
    const factors = key === 'full' ? [1] : GRID_SCALE_FACTORS;
    for (const lr of GRID_LRS)
      for (const factor of factors) {
        const scale = key === 'full' ? 1 : factor * (s0[slot]?.s0 as number);
        const file = join(o.outDir, `${slot}-lr${lr}-x${factor}.json`);
        let res = readJson<RunResult>(file);
        if (res === undefined || res.spec.steps !== o.steps) {
          o.log(`  tune ${methodLabel(key, r)} lr ${lr} s ${scale.toPrecision(3)} (${factor} s0)`);
          const spec: RunSpec = {
            method: key,
            r,
            lr,
            scale,
            seed: TUNING_SEED,
            steps: o.steps,
            warmupSteps: o.warmupSteps,
            batchSize: o.batchSize,
            evalEvery: o.evalEvery,
          };
          res = await runOnce(base, task, spec, { test: false, stream: o.stream });
          await writeFile(file, JSON.stringify(res));
        }
        o.log(`    validation R ${res.validationR.toFixed(4)} (${res.seconds.toFixed(0)} s)`);
        grid.push({ slot, lr, factor, scale, validationR: res.validationR, seconds: res.seconds });
      }
  }
  const choice: Tuned['choice'] = {};
  for (const slot of o.gridSlots) {
    const rows = grid.filter((g) => g.slot === slot && Number.isFinite(g.validationR));
    const best = rows.reduce((a, b) => (b.validationR > a.validationR ? b : a));
    choice[slot] = { lr: best.lr, scale: best.scale, factor: best.factor, validationR: best.validationR, how: 'grid' };
  }
  for (const [slot, from] of o.transferred) {
    const c = choice[from];
    if (!c) throw new Error(`tune: ${slot} takes its settings from ${from}, which was not tuned`);
    const own = slot.startsWith('full') ? 1 : (s0[slot]?.s0 as number);
    choice[slot] = {
      lr: c.lr,
      factor: c.factor,
      scale: slot.startsWith('full') ? 1 : c.factor * own,
      validationR: Number.NaN,
      how: 'transferred',
      from,
    };
  }
  return { baseSha256, tuningSeed: TUNING_SEED, arm: task.arm, s0, grid, choice };
}
