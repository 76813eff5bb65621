/**
 * Per-op overhead: how many tiny ops (32-element tensors, where the arithmetic is free and only
 * the framework's bookkeeping costs) webgrad's CPU backend runs per second, next to tfjs-core's
 * CPU backend, timed interleaved in one run (see compareTimes).
 *
 * Three phases, because importing `@webgrad/autograd` installs its tape observer for good:
 * `plain` (tensor package only), `autograd` (observer installed, nothing traced) and
 * `recording` (operands have requiresGrad, so every op records a tape node). tfjs is re-measured
 * in each phase so every ratio compares runs made under the same load.
 *
 * usage: node bench/dist/run.js overhead [--reps N]
 */
import { type Tensor, tidy } from '@webgrad/tensor';
import { writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';
import { loadTf, type Tf, useTfBackend } from './lib/tfjs.js';
import { compareTimes } from './lib/timing.js';

type TfTensor = ReturnType<Tf['tensor']>;

const N = 32;
/** Calls per timed sample: long enough (milliseconds) for the timer, short enough to interleave. */
const CALLS = 2000;

interface Case {
  label: string;
  /** Ops (user-level calls) per call of `ours`/`peer`, for the ops/s column. */
  ops: number;
  ours: (x: Tensor, y: Tensor) => void;
  peer: (tf: Tf, x: TfTensor, y: TfTensor) => void;
}

/** Ten unary ops that stay finite on randn input (sqrt sees exp's positive output). */
const CHAIN = ['neg', 'exp', 'tanh', 'sin', 'cos', 'exp', 'sqrt', 'tanh', 'neg', 'exp'] as const;

function chainOurs(x: Tensor): Tensor {
  let y = x;
  for (const op of CHAIN) y = y[op]();
  return y;
}

function chainPeer(tf: Tf, x: TfTensor): TfTensor {
  let y = x;
  for (const op of CHAIN) y = tf[op](y);
  return y;
}

// Results are disposed as they come; the scalar case and the chain run in tidy on both sides,
// since both libraries make a tensor for the JS number (and tfjs has no GC safety net).
const CASES: Case[] = [
  {
    label: 'add [32] + [32]',
    ops: 1,
    ours: (x, y) => x.add(y).dispose(),
    peer: (tf, x, y) => tf.add(x, y).dispose(),
  },
  {
    label: 'mul [32] * 2.5',
    ops: 1,
    ours: (x) => tidy(() => x.mul(2.5)).dispose(),
    peer: (tf, x) => tf.tidy(() => tf.mul(x, 2.5)).dispose(),
  },
  {
    label: 'chain of 10 unary on [32]',
    ops: CHAIN.length,
    ours: (x) => tidy(() => chainOurs(x)).dispose(),
    peer: (tf, x) => tf.tidy(() => chainPeer(tf, x)).dispose(),
  },
  {
    label: 'sum of [32]',
    ops: 1,
    ours: (x) => x.sum().dispose(),
    peer: (tf, x) => tf.sum(x).dispose(),
  },
];

function repeat(fn: () => void): () => void {
  return () => {
    for (let i = 0; i < CALLS; i++) fn();
  };
}

async function measurePhase(tf: Tf, phase: string, x: Tensor, y: Tensor, reps: number): Promise<Row[]> {
  const [tx, ty] = [tf.tensor(x.dataSync() as Float32Array), tf.tensor(y.dataSync() as Float32Array)];
  const rows: Row[] = [];
  for (const c of CASES) {
    const t = await compareTimes(
      { webgrad: repeat(() => c.ours(x, y)), tfjsCpu: repeat(() => c.peer(tf, tx, ty)) },
      { warmup: 5, reps, budgetMs: 3000 },
    );
    const perSec = (ms = Number.NaN) => (CALLS * c.ops * 1e3) / ms;
    const ours = perSec(t.webgrad?.median);
    const peer = perSec(t.tfjsCpu?.median);
    rows.push({
      case: c.label,
      phase,
      'webgrad kops/s': ours / 1e3,
      'tfjs-cpu kops/s': peer / 1e3,
      'webgrad us/op': 1e6 / ours,
      'webgrad / tfjs-cpu': ours / peer,
    });
  }
  tf.dispose([tx, ty]);
  return rows;
}

function parseReps(args: string[]): number {
  const i = args.indexOf('--reps');
  const n = i >= 0 ? Number(args[i + 1]) : 15;
  return Number.isInteger(n) && n > 0 ? n : 15;
}

export async function main(args: string[]): Promise<void> {
  const reps = parseReps(args);
  const tf = await loadTf();
  await useTfBackend('cpu');
  const { randn } = await import('@webgrad/tensor');
  const x = randn([N], { seed: 1 });
  const y = randn([N], { seed: 2 });
  const rows = await measurePhase(tf, 'plain', x, y, reps);
  // From here on the tape observer runs on every op (there is no uninstalling it).
  await import('@webgrad/autograd');
  rows.push(...(await measurePhase(tf, 'autograd', x, y, reps)));
  x.requiresGrad = true;
  y.requiresGrad = true;
  rows.push(...(await measurePhase(tf, 'recording', x, y, reps)));
  const note =
    'float32 [32] operands; thousands of ops per second (median of interleaved samples of ' +
    `${CALLS} calls); ratio > 1 means webgrad is faster. plain: tensor only; autograd: tape observer ` +
    'installed; recording: operands requiresGrad.';
  printTable(rows, note);
  const path = writeResult('overhead', `${note}\n\n${markdownTable(rows)}`, 'per-op overhead, CPU');
  console.log(`\nwrote ${path}`);
}
