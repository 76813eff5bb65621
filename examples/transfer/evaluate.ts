/**
 * The evaluation: for each stage in order, each arm and seed, every method of the stage, with the
 * frozen choice of tuned.json. One JSON file per run, written as it finishes (an interrupted
 * evaluation resumes where it stopped; existing runs are not rerun).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { disposeTask, makeTask } from './data.js';
import { methodLabel } from './methods.js';
import type { GeluMLP } from './mlp.js';
import type { Stage } from './plan.js';
import { type RunResult, runOnce } from './train.js';
import { slotOf, type Tuned } from './tune.js';

export interface EvalOptions {
  stages: Stage[];
  seeds: readonly number[];
  steps: number;
  warmupSteps: number;
  batchSize: number;
  evalEvery: number;
  runsDir: string;
  /** Stop starting runs after this time (ms since epoch). */
  deadline: number;
  log: (s: string) => void;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  sizes?: { train?: number; validation?: number; test?: number };
}

export const runFile = (dir: string, arm: string, slot: string, seed: number) =>
  join(dir, `${arm}-${slot}-seed${seed}.json`);

/** Runs what is missing of `o.stages`; returns false when the deadline stopped it. */
export async function evaluate(base: GeluMLP, tuned: Tuned, o: EvalOptions): Promise<boolean> {
  await mkdir(o.runsDir, { recursive: true });
  for (const stage of o.stages)
    for (const arm of stage.arms)
      for (const seed of o.seeds) {
        const todo = stage.methods.filter((m) => {
          const f = runFile(o.runsDir, arm, slotOf(m, stage.r), seed);
          return !(existsSync(f) && (JSON.parse(readFileSync(f, 'utf8')) as RunResult).spec.steps === o.steps);
        });
        if (todo.length === 0) continue;
        const task = await makeTask(base, arm, seed, o.sizes);
        for (const method of todo) {
          if (Date.now() > o.deadline) {
            disposeTask(task);
            o.log(`deadline reached: stopping before stage ${stage.name}, arm ${arm}, seed ${seed}, ${method}`);
            return false;
          }
          const slot = slotOf(method, stage.r);
          const c = tuned.choice[slot];
          if (!c) throw new Error(`evaluate: ${slot} has no frozen choice in tuned.json`);
          o.log(
            `[${stage.name}] arm ${arm} seed ${seed} ${methodLabel(method, stage.r)} lr ${c.lr} s ${c.scale.toPrecision(3)}`,
          );
          const res = await runOnce(
            base,
            task,
            {
              method,
              r: stage.r,
              lr: c.lr,
              scale: c.scale,
              seed,
              steps: o.steps,
              warmupSteps: o.warmupSteps,
              batchSize: o.batchSize,
              evalEvery: o.evalEvery,
            },
            { stream: o.stream },
          );
          o.log(
            `  test R ${res.testR?.toFixed(4)} validation R ${res.validationR.toFixed(4)} (${res.seconds.toFixed(0)} s)`,
          );
          await writeFile(runFile(o.runsDir, arm, slot, seed), JSON.stringify(res));
        }
        disposeTask(task);
      }
  return true;
}
