/** Command-line options of `reconstruction` and their defaults (the configuration in README.md). */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AbbaInit } from './methods.js';
import { SYNTHETIC_KINDS, type SyntheticKind } from './targets.js';

export interface ReconArgs {
  m: number;
  n: number;
  budgets: number[];
  kinds: SyntheticKind[];
  steps: number;
  lr: number;
  minLr: number;
  /** One ABBA fit per entry (restarts); repeated inits get different seeds. */
  abbaInits: AbbaInit[];
  loraAdam: boolean;
  /** Target seeds: each draws every target, W0 and init afresh; tables give mean ± sd over them. */
  seeds: number[];
  out: string;
  /** Directory holding the base and fine-tuned checkpoints, or undefined (kind skipped). */
  realUpdates: string | undefined;
  baseName: string;
  finetunedName: string;
  /** Budget whose loss curves are plotted. */
  curveBudget: number;
}

export const DEFAULTS: ReconArgs = {
  m: 64,
  n: 64,
  budgets: [4, 8, 16, 32],
  kinds: [...SYNTHETIC_KINDS],
  steps: 1500,
  lr: 0.03,
  minLr: 3e-4,
  abbaInits: ['svd', 'random', 'random'],
  loraAdam: true,
  seeds: [0],
  // examples/out/reconstruction, wherever the program is started from (this file runs from dist/).
  out: join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'out', 'reconstruction'),
  realUpdates: undefined,
  baseName: 'base.safetensors',
  finetunedName: 'finetuned.safetensors',
  curveBudget: 16,
};

export const USAGE = `usage: pnpm --filter examples reconstruction [options]
  --m N --n N             synthetic target size (default ${DEFAULTS.m} x ${DEFAULTS.n})
  --budgets LIST          LoRA-equivalent budgets r, parameters r (m + n) (default ${DEFAULTS.budgets.join(',')}; ABBA needs even r)
  --kinds LIST            synthetic targets (default ${DEFAULTS.kinds.join(',')})
  --steps N               Adam steps per fit (default ${DEFAULTS.steps})
  --lr X --min-lr X       cosine schedule from lr to min-lr (default ${DEFAULTS.lr}, ${DEFAULTS.minLr})
  --abba-inits LIST       one ABBA fit per entry, svd|random (default ${DEFAULTS.abbaInits.join(',')})
  --no-lora-adam          skip the LoRA-by-Adam optimiser check
  --seeds LIST            seeds of targets, W0 and inits; mean ± sd over them (default ${DEFAULTS.seeds.join(',')})
  --seed N                one seed (same as --seeds N)
  --out DIR               output folder (default examples/out/reconstruction)
  --real-updates DIR      folder with two checkpoints of the tiny GPT, base and fully fine-tuned;
                          targets are the per-layer differences of their 2-d weights
  --base-name F --finetuned-name F   file names in that folder (default ${DEFAULTS.baseName}, ${DEFAULTS.finetunedName})
  --curve-budget N        budget whose loss curves are plotted (default ${DEFAULTS.curveBudget})`;

const intList = (s: string) => s.split(',').map((x) => Number.parseInt(x.trim(), 10));

/**
 * Parses argv (without node and script); throws with USAGE on a bad option.
 * @example parseReconArgs(['--budgets', '4,8']).budgets // [4, 8]
 */
export function parseReconArgs(argv: readonly string[]): ReconArgs {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      m: { type: 'string' },
      n: { type: 'string' },
      budgets: { type: 'string' },
      kinds: { type: 'string' },
      steps: { type: 'string' },
      lr: { type: 'string' },
      'min-lr': { type: 'string' },
      'abba-inits': { type: 'string' },
      'no-lora-adam': { type: 'boolean' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      out: { type: 'string' },
      'real-updates': { type: 'string' },
      'base-name': { type: 'string' },
      'finetuned-name': { type: 'string' },
      'curve-budget': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (v.help) throw new Error(USAGE);
  const a: ReconArgs = {
    ...DEFAULTS,
    m: v.m ? Number(v.m) : DEFAULTS.m,
    n: v.n ? Number(v.n) : DEFAULTS.n,
    budgets: v.budgets ? intList(v.budgets) : DEFAULTS.budgets,
    kinds: v.kinds ? (v.kinds.split(',') as SyntheticKind[]) : DEFAULTS.kinds,
    steps: v.steps ? Number(v.steps) : DEFAULTS.steps,
    lr: v.lr ? Number(v.lr) : DEFAULTS.lr,
    minLr: v['min-lr'] ? Number(v['min-lr']) : DEFAULTS.minLr,
    abbaInits: v['abba-inits'] ? (v['abba-inits'].split(',') as AbbaInit[]) : DEFAULTS.abbaInits,
    loraAdam: !v['no-lora-adam'],
    seeds: v.seeds ? intList(v.seeds) : v.seed ? [Number(v.seed)] : DEFAULTS.seeds,
    out: v.out ?? DEFAULTS.out,
    realUpdates: v['real-updates'],
    baseName: v['base-name'] ?? DEFAULTS.baseName,
    finetunedName: v['finetuned-name'] ?? DEFAULTS.finetunedName,
    curveBudget: v['curve-budget'] ? Number(v['curve-budget']) : DEFAULTS.curveBudget,
  };
  const bad = [
    !(Number.isInteger(a.m) && a.m > 0 && Number.isInteger(a.n) && a.n > 0) && 'm and n must be positive integers',
    a.budgets.some((r) => !Number.isInteger(r) || r < 2 || r % 2 !== 0) && 'budgets must be even integers >= 2',
    a.kinds.some((k) => !SYNTHETIC_KINDS.includes(k)) && `kinds must be among ${SYNTHETIC_KINDS.join(',')}`,
    !(Number.isInteger(a.steps) && a.steps > 0) && 'steps must be a positive integer',
    (a.seeds.length === 0 || a.seeds.some((x) => !Number.isInteger(x) || x < 0)) &&
      'seeds must be a list of non-negative integers',
    !(a.lr > 0 && a.minLr >= 0) && 'lr must be > 0 and min-lr >= 0',
    (a.abbaInits.length === 0 || a.abbaInits.some((i) => i !== 'svd' && i !== 'random')) &&
      'abba-inits must be a list of svd|random',
  ].filter(Boolean);
  if (bad.length > 0) throw new Error(`${bad.join('; ')}\n${USAGE}`);
  return a;
}
