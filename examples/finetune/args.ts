/**
 * Command-line options of `pnpm --filter examples finetune` and their defaults (the configuration
 * documented in README.md).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AbbaInit } from '@webgrad/abba';
import type { Device } from '@webgrad/tensor';
import { DEFAULTS as TT_DEFAULTS } from '../tiny-transformer/args.js';
import { PINNED_BASE, PINNED_BASE_SHA256 } from './base-model.js';
import {
  type AdapterFtMethod,
  DEFAULT_ABBA_INIT,
  DEFAULT_LR,
  DEFAULT_SCALE,
  FT_METHODS,
  type FtMethod,
} from './methods.js';
import { SUBTRACTION_TEST_MAX } from './task.js';

export interface FinetuneArgs {
  device: Device;
  methods: FtMethod[];
  seeds: number[];
  steps: number;
  batchSize: number;
  /** Warmup steps (default: a tenth of the steps). */
  warmupSteps: number;
  gradClip: number;
  /** LoRA-equivalent budget: LoRA / HiRA rank r, ABBA r1 = r2 = r / 2. */
  r: number;
  /** Peak learning rate per method. */
  lr: Record<FtMethod, number>;
  /** Scale s of the update per adapter method (alpha is derived from it, methods.ts). */
  scale: Record<AdapterFtMethod, number>;
  /** ABBA initialisation: 'svd' (paper §3.4) or 'lora' (both pairs LoRA-style). */
  abbaInit: AbbaInit;
  /** When set: run every method at each of these learning rates instead of its tuned one. */
  sweep: number[] | undefined;
  /** When set: run every adapter method at each of these scales s instead of its tuned one. */
  sweepScale: number[] | undefined;
  testSize: number;
  /** Validation pairs (tuning runs are scored on these, never on the test set). */
  validationSize: number;
  /** Run the tuning grid (tune.ts) on the tuning seed instead of the reported seeds. */
  tune: boolean;
  /** Pretrained checkpoint (used when usable, else pretrained and written there). */
  base: string;
  /** Expected SHA-256 of `base` (checked on load), or undefined for no check. */
  baseSha256: string | undefined;
  pretrainSteps: number;
  out: string;
  /** Run everything in this process instead of one child process per run (memory then mixes). */
  inProcess: boolean;
}

const HERE = dirname(fileURLToPath(import.meta.url)); // examples/dist/finetune at run time

export const FT_DEFAULTS: FinetuneArgs = {
  device: 'cpu',
  methods: [...FT_METHODS],
  seeds: [0, 1, 2, 3, 4],
  // 300 steps (not 600): the reduction chosen before any result so that tuning and 5 seeds fit the
  // time available (README.md, "Protocol").
  steps: 300,
  batchSize: 64,
  warmupSteps: 30,
  gradClip: 1,
  r: 8,
  lr: { ...DEFAULT_LR },
  scale: { ...DEFAULT_SCALE },
  abbaInit: DEFAULT_ABBA_INIT,
  sweep: undefined,
  sweepScale: undefined,
  testSize: SUBTRACTION_TEST_MAX,
  validationSize: 1000,
  tune: false,
  base: PINNED_BASE,
  baseSha256: PINNED_BASE_SHA256,
  pretrainSteps: TT_DEFAULTS.steps,
  out: join(HERE, '..', '..', 'out', 'finetune'),
  inProcess: false,
};

const d = FT_DEFAULTS;
export const FT_USAGE = `usage: pnpm --filter examples finetune [options]
  --methods LIST          of full,lora,hira,abba (default ${d.methods.join(',')})
  --seeds LIST            seeds per method: adapter init and data order (default ${d.seeds.join(',')})
  --steps N               fine-tuning steps, the same for every method (default ${d.steps})
  --batch N               examples per step (default ${d.batchSize})
  --warmup N              linear warmup steps, then cosine to lr/10 (default a tenth of --steps)
  --grad-clip X           global grad-norm clip (default ${d.gradClip})
  --r N                   budget: LoRA/HiRA rank r, ABBA r1 = r2 = r/2 (default ${d.r}; even)
  --lr LIST               peak lr per method, e.g. lora=1e-2,abba=3e-2 (defaults ${Object.entries(d.lr)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')})
  --scale LIST            scale s of the update per adapter method, e.g. lora=1,abba=4 (defaults ${Object.entries(
    d.scale,
  )
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}); alpha is derived: LoRA/HiRA alpha = s r, ABBA alpha = s sqrt(r1 r2)
  --abba-init svd|lora    ABBA init: B1 A1 from the SVD of W0 (paper §3.4) or LoRA-style (default ${d.abbaInit})
  --sweep LIST            run each method at each of these lrs (e.g. 1e-3,3e-3,1e-2) and write sweep.md
  --sweep-scale LIST      with or without --sweep: run each adapter method at each of these scales s
  --test-size N           test pairs per task (default and most ${d.testSize})
  --validation-size N     validation pairs, held out and disjoint from the test set (default ${d.validationSize})
  --tune                  run the tuning grid (tune.ts: lr x scale, the same for every adapter) on the
                          tuning seed, scored on validation; writes tuning.md / tuning.json
  --device cpu|webgpu     backend (default ${d.device})
  --base PATH             pretrained addition checkpoint (default the committed examples/finetune/base.safetensors,
                          its SHA-256 checked); pretrained with the tiny-transformer recipe and saved there when missing
  --base-sha256 HEX|none  expected SHA-256 of --base (default: the pinned one for the default base, none otherwise)
  --pretrain-steps N      steps of that pretraining (default ${d.pretrainSteps})
  --out DIR               output folder (default examples/out/finetune)
  --in-process            no child process per run (faster start, but memory figures mix runs)
`;

function numberList(name: string, v: string, integer: boolean): number[] {
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))))
    throw new Error(`--${name}: expected a comma-separated list of non-negative numbers, got '${v}'\n${FT_USAGE}`);
  return out;
}

function methodList(v: string): FtMethod[] {
  const out = v.split(',').map((s) => s.trim());
  const bad = out.filter((m) => !(FT_METHODS as readonly string[]).includes(m));
  if (bad.length > 0) throw new Error(`--methods: unknown ${bad.join(', ')} (use ${FT_METHODS.join(',')})`);
  return out as FtMethod[];
}

/** `method=X,...` with positive X (`--lr`, `--scale`). */
function methodNumbers(name: string, v: string): Partial<Record<FtMethod, number>> {
  const out: Partial<Record<FtMethod, number>> = {};
  for (const item of v.split(',')) {
    const [m, x] = item.split('=');
    const [method] = methodList(m ?? '');
    const value = Number(x);
    if (method === undefined || !(value > 0 && Number.isFinite(value)))
      throw new Error(`--${name}: expected method=positive number, got '${item}'`);
    out[method] = value;
  }
  return out;
}

function scaleRecord(v: string): Partial<Record<AdapterFtMethod, number>> {
  const out = methodNumbers('scale', v);
  if (out.full !== undefined) throw new Error('--scale: full fine-tuning has no scale (use lora, hira, abba)');
  return out as Partial<Record<AdapterFtMethod, number>>;
}

/** Parses `argv` (without node and the script); throws with the usage on bad input or --help. */
export function parseFinetuneArgs(argv: readonly string[]): FinetuneArgs {
  const { values: v } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      device: { type: 'string' },
      methods: { type: 'string' },
      seeds: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      warmup: { type: 'string' },
      'grad-clip': { type: 'string' },
      r: { type: 'string' },
      lr: { type: 'string' },
      scale: { type: 'string' },
      'abba-init': { type: 'string' },
      sweep: { type: 'string' },
      'sweep-scale': { type: 'string' },
      'test-size': { type: 'string' },
      'validation-size': { type: 'string' },
      tune: { type: 'boolean' },
      base: { type: 'string' },
      'base-sha256': { type: 'string' },
      'pretrain-steps': { type: 'string' },
      out: { type: 'string' },
      'in-process': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (v.help) throw new Error(FT_USAGE);
  const int = (name: string, s: string | undefined, fallback: number) =>
    s === undefined ? fallback : (numberList(name, s, true)[0] as number);
  const device = v.device ?? d.device;
  if (device !== 'cpu' && device !== 'webgpu') throw new Error(`--device: expected cpu or webgpu, got '${device}'`);
  const steps = int('steps', v.steps, d.steps);
  const r = int('r', v.r, d.r);
  const methods = v.methods ? methodList(v.methods) : [...d.methods];
  if (methods.includes('abba') && (r < 2 || r % 2 !== 0)) throw new Error(`--r: ABBA needs an even r >= 2, got ${r}`);
  const abbaInit = v['abba-init'] ?? d.abbaInit;
  if (abbaInit !== 'svd' && abbaInit !== 'lora')
    throw new Error(`--abba-init: expected svd or lora, got '${abbaInit}'`);
  const testSize = int('test-size', v['test-size'], d.testSize);
  if (testSize > SUBTRACTION_TEST_MAX)
    throw new Error(
      `--test-size: at most ${SUBTRACTION_TEST_MAX} (the validation set follows the test set), got ${testSize}`,
    );
  const baseSha256 = v['base-sha256'] ?? (v.base === undefined ? d.baseSha256 : undefined);
  const sweepScale = v['sweep-scale'] ? numberList('sweep-scale', v['sweep-scale'], false) : undefined;
  if (sweepScale?.some((x) => x <= 0))
    throw new Error(`--sweep-scale: scales must be positive, got '${v['sweep-scale']}'`);
  return {
    device,
    methods,
    seeds: v.seeds ? numberList('seeds', v.seeds, true) : [...d.seeds],
    steps,
    batchSize: int('batch', v.batch, d.batchSize),
    warmupSteps: int('warmup', v.warmup, Math.round(steps / 10)),
    gradClip: v['grad-clip'] === undefined ? d.gradClip : (numberList('grad-clip', v['grad-clip'], false)[0] as number),
    r,
    lr: { ...d.lr, ...(v.lr ? methodNumbers('lr', v.lr) : {}) },
    scale: { ...d.scale, ...(v.scale ? scaleRecord(v.scale) : {}) },
    abbaInit,
    sweep: v.sweep ? numberList('sweep', v.sweep, false) : undefined,
    sweepScale,
    testSize,
    validationSize: int('validation-size', v['validation-size'], d.validationSize),
    tune: v.tune ?? false,
    base: v.base ?? d.base,
    baseSha256: baseSha256 === 'none' ? undefined : baseSha256,
    pretrainSteps: int('pretrain-steps', v['pretrain-steps'], d.pretrainSteps),
    out: v.out ?? d.out,
    inProcess: v['in-process'] ?? false,
  };
}
