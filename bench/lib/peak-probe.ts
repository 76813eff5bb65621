/**
 * Timing the peak-probe programs (lib/peak-kernels.ts) on one core and on two at once. The
 * machine is a noisy VM, so each figure is the best of many short runs: a run the hypervisor or
 * another process interrupted can only be slower, never faster. On two cores, two workers run
 * the same program at the same moment (released together through a shared word and
 * Atomics.notify) and the round's rate is the sum of theirs; the calling thread sleeps meanwhile.
 */
import { Worker } from 'node:worker_threads';
import { type Precision, type Probe, type ProbeKind, probe } from './peak-kernels.js';
import { DONE, GO, instantiateProbe, TIMES_AT } from './peak-wasm.js';

export interface PeakOptions {
  /** Timed runs; the best counts. */
  rounds: number;
  /** Milliseconds one run should take. */
  runMs: number;
  /** Milliseconds of untimed runs first, so V8 has tiered the module up from Liftoff to TurboFan. */
  warmupMs: number;
}

/**
 * The full probe (~1.5 s a figure, ~15 s in all): bench/peak.ts. Runs of 3 ms came out steadier
 * than runs of 10 ms here (a longer run is likelier to be interrupted), most on two cores.
 */
export const FULL: PeakOptions = { rounds: 300, runMs: 3, warmupMs: 300 };
/** A short version (~0.4 s a figure) for programs that report fractions of peak, as bench/matmul.ts. */
export const SHORT: PeakOptions = { rounds: 50, runMs: 3, warmupMs: 200 };

const gflops = (flops: number, ms: number) => flops / (ms * 1e6);

/**
 * The best GFLOP/s of `p` on this thread, and the `count` that makes one run last `runMs`.
 * @example const { gflops } = oneCore(probe('stream', 'f32'), SHORT);
 */
export function oneCore(p: Probe, opts: PeakOptions): { gflops: number; count: number } {
  const inst = instantiateProbe(p.bytes);
  inst.setup();
  let count = 16;
  let dt = 0;
  for (let spent = 0; spent < opts.warmupMs || dt < 1; spent += dt) {
    const t0 = performance.now();
    inst.run(count);
    dt = performance.now() - t0;
    if (dt < 1) count *= 2;
  }
  count = Math.max(1, Math.round((count * opts.runMs) / dt));
  let best = 0;
  for (let r = 0; r < opts.rounds; r++) {
    const t0 = performance.now();
    inst.run(count);
    best = Math.max(best, gflops(p.flopsPerCount * count, performance.now() - t0));
  }
  return { gflops: best, count };
}

/**
 * The best summed GFLOP/s of `p` run by two workers at once, `count` units each per round.
 * @example const sum = await twoCores(p, oneCore(p, SHORT).count, SHORT);
 */
export async function twoCores(p: Probe, count: number, opts: PeakOptions): Promise<number> {
  const control = new SharedArrayBuffer(TIMES_AT + 2 * 8);
  const ctl = new Int32Array(control, 0, 2);
  const times = new Float64Array(control, TIMES_AT, 2);
  // Warm-up runs in the workers, sized from the single-thread calibration.
  const warmup = Math.ceil(opts.warmupMs / opts.runMs);
  const url = new URL('./peak-worker.js', import.meta.url);
  const workers = [0, 1].map(
    (index) => new Worker(url, { workerData: { bytes: p.bytes, count, warmup, index, control } }),
  );
  const exited = workers.map((w) => new Promise((resolve) => w.once('exit', resolve)));
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
    ),
  );
  let best = 0;
  for (let r = 1; r <= opts.rounds; r++) {
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, GO, r);
    Atomics.notify(ctl, GO);
    for (let done = Atomics.load(ctl, DONE); done < 2; done = Atomics.load(ctl, DONE)) Atomics.wait(ctl, DONE, done);
    const flops = p.flopsPerCount * count;
    best = Math.max(best, gflops(flops, times[0] as number) + gflops(flops, times[1] as number));
  }
  Atomics.store(ctl, GO, -1);
  Atomics.notify(ctl, GO);
  await Promise.all(exited);
  return best;
}

/** Best GFLOP/s of one probe program on one core and on two. */
export interface PeakFigure {
  kind: ProbeKind;
  precision: Precision;
  oneCore: number;
  twoCores: number;
}

/**
 * Every probe (mul+add stream and L1 micro-kernel, f32 and f64) on one core and on two.
 * @example const peaks = await measurePeaks(SHORT); // peaks.find((f) => f.kind === 'stream')
 */
export async function measurePeaks(
  opts: PeakOptions,
  kinds: readonly ProbeKind[] = ['stream', 'kernel'],
): Promise<PeakFigure[]> {
  const out: PeakFigure[] = [];
  for (const precision of ['f32', 'f64'] as const) {
    for (const kind of kinds) {
      const p = probe(kind, precision);
      const one = oneCore(p, opts);
      out.push({ kind, precision, oneCore: one.gflops, twoCores: await twoCores(p, one.count, opts) });
    }
  }
  return out;
}

/**
 * The mul+add stream's figure in `precision` (the peak every fraction refers to).
 * @example peakOf(peaks, 'f32').oneCore
 */
export function peakOf(peaks: readonly PeakFigure[], precision: Precision, kind: ProbeKind = 'stream'): PeakFigure {
  const f = peaks.find((x) => x.precision === precision && x.kind === kind);
  if (!f) throw new Error(`no ${kind} ${precision} figure among the peaks measured`);
  return f;
}
