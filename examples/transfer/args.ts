/** Command-line options of `pnpm --filter examples transfer` and their defaults. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Device } from '@webgrad/tensor';
import { EVAL_SEEDS, STAGES } from './plan.js';
import { PROTOCOL } from './train.js';

export const PHASES = ['all', 'tune', 'eval', 'report'] as const;
export type Phase = (typeof PHASES)[number];

export interface TransferArgs {
  device: Device;
  phase: Phase;
  /** Names of the evaluation stages to run (plan.ts), in the plan's order. */
  stages: string[];
  seeds: number[];
  steps: number;
  warmupSteps: number;
  batchSize: number;
  evalEvery: number;
  /** Ignored output folder: base checkpoint, per-run JSON, logs. */
  out: string;
  /** The frozen tuning choice (committed). */
  tuned: string;
  /** Committed results: results.md, runs.json, SVG plots. */
  results: string;
  retune: boolean;
  /** Stop starting evaluation runs after this many minutes (default: no limit). */
  budgetMinutes: number;
}

const HERE = dirname(fileURLToPath(import.meta.url)); // examples/dist/transfer at run time
const SOURCE = join(HERE, '..', '..', 'transfer');

export const TRANSFER_DEFAULTS: TransferArgs = {
  device: 'cpu',
  phase: 'all',
  stages: STAGES.map((s) => s.name),
  seeds: [...EVAL_SEEDS],
  steps: PROTOCOL.steps,
  warmupSteps: PROTOCOL.warmupSteps,
  batchSize: PROTOCOL.batchSize,
  evalEvery: 50,
  out: join(HERE, '..', '..', 'out', 'transfer'),
  tuned: join(SOURCE, 'tuned.json'),
  results: join(SOURCE, 'results'),
  retune: false,
  budgetMinutes: Number.POSITIVE_INFINITY,
};

const d = TRANSFER_DEFAULTS;
export const TRANSFER_USAGE = `usage: pnpm --filter examples transfer [options]
  --phase all|tune|eval|report  what to do (default all: tune unless tuned.json exists, evaluate, report)
  --stages LIST           evaluation stages, of ${STAGES.map((s) => s.name).join(',')} (default all, in that order)
  --seeds LIST            evaluation seeds (default ${d.seeds.join(',')}; the tuning seed 0 is never reported)
  --steps N               training steps (default ${d.steps}; warmup ${d.warmupSteps}, cosine to lr/10)
  --warmup N              warmup steps (default ${d.warmupSteps})
  --batch N               batch size (default ${d.batchSize})
  --eval-every N          validation-curve interval (default ${d.evalEvery})
  --tuned PATH            frozen tuning choice (default examples/transfer/tuned.json)
  --retune                tune again and overwrite --tuned
  --results DIR           where results.md, runs.json and the SVGs go (default examples/transfer/results)
  --out DIR               base checkpoint, per-run JSON and logs (default examples/out/transfer)
  --budget-minutes N      start no evaluation run after N minutes (default no limit)
  --device cpu|webgpu     backend (default ${d.device})
`;

function positiveInts(name: string, v: string): number[] {
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 0))
    throw new Error(`--${name}: expected non-negative integers, got '${v}'\n${TRANSFER_USAGE}`);
  return out;
}

/** Parses `argv` (without node and the script); throws with the usage on bad input or --help. */
export function parseTransferArgs(argv: readonly string[]): TransferArgs {
  const { values: v } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      device: { type: 'string' },
      phase: { type: 'string' },
      stages: { type: 'string' },
      seeds: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      batch: { type: 'string' },
      'eval-every': { type: 'string' },
      tuned: { type: 'string' },
      retune: { type: 'boolean' },
      results: { type: 'string' },
      out: { type: 'string' },
      'budget-minutes': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (v.help) throw new Error(TRANSFER_USAGE);
  const device = v.device ?? d.device;
  if (device !== 'cpu' && device !== 'webgpu') throw new Error(`--device: expected cpu or webgpu, got '${device}'`);
  const phase = (v.phase ?? d.phase) as Phase;
  if (!PHASES.includes(phase)) throw new Error(`--phase: expected one of ${PHASES.join(', ')}, got '${phase}'`);
  const stages = v.stages ? v.stages.split(',').map((s) => s.trim()) : [...d.stages];
  const unknown = stages.filter((s) => !STAGES.some((st) => st.name === s));
  if (unknown.length)
    throw new Error(`--stages: unknown ${unknown.join(', ')} (use ${STAGES.map((s) => s.name).join(',')})`);
  const int = (name: string, s: string | undefined, fallback: number) =>
    s === undefined ? fallback : (positiveInts(name, s)[0] as number);
  const budget = v['budget-minutes'] === undefined ? d.budgetMinutes : Number(v['budget-minutes']);
  if (!(budget > 0)) throw new Error(`--budget-minutes: expected a positive number, got '${v['budget-minutes']}'`);
  const seeds = v.seeds ? positiveInts('seeds', v.seeds) : [...d.seeds];
  if (seeds.includes(0)) throw new Error('--seeds: seed 0 is the tuning seed and is never reported');
  return {
    device,
    phase,
    stages,
    seeds,
    steps: int('steps', v.steps, d.steps),
    warmupSteps: int('warmup', v.warmup, d.warmupSteps),
    batchSize: int('batch', v.batch, d.batchSize),
    evalEvery: int('eval-every', v['eval-every'], d.evalEvery),
    tuned: v.tuned ?? d.tuned,
    retune: v.retune ?? false,
    results: v.results ?? d.results,
    out: v.out ?? d.out,
    budgetMinutes: budget,
  };
}
