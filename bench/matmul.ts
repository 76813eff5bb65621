/**
 * float32 matmul throughput: webgrad's CPU backend next to tfjs-core's pure-JS CPU backend (the
 * peer we aim to beat by 3x at N = 1024) and, where it runs, tfjs's WASM/XNNPACK backend.
 * Each call includes reading the result back to JS, as a user would. webgrad and tfjs-cpu are
 * timed interleaved (see compareTimes); WASM needs tfjs's global backend switched, so it is
 * timed in its own pass right after.
 *
 * webgrad runs on 1 thread and on 2 (its worker pool; WEBGRAD_CPU_KERNELS chooses the kernels).
 * @jax-js/jax (wasm device, the product under `jit`) is timed interleaved with webgrad. A second
 * table gives webgrad's float64 products (the peers have no float64 matmul here).
 *
 * The same run first measures what the hardware allows (lib/peak-probe.ts, the short version of
 * `pnpm bench peak`): an independent SIMD128 mul+add stream on one core and on two at once. Each
 * webgrad row is then also given as a fraction of it: 1 thread of the per-core peak, 2 threads of
 * the two-core peak, in the row's precision.
 *
 * usage: node bench/dist/run.js matmul [N ...]   (default 256 512 1024)
 */
import { cpuThreadsReady, getCpuKernels, randn, setCpuThreads, type Tensor } from '@webgrad/tensor';
import { measurePeaks, type PeakFigure, peakOf, SHORT } from './lib/peak-probe.js';
import { writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';
import { loadTf, useTfBackend } from './lib/tfjs.js';
import { compareTimes, gflops, timeit } from './lib/timing.js';
import { loadJax } from './training/jaxjs.js';

interface Case {
  label: string;
  /** A is [batch, m, k], B is [batch, k, n] (or its transpose stored as [batch, n, k]). */
  batch: number;
  m: number;
  k: number;
  n: number;
  /** Multiply by the transpose of a stored B (the layout of Linear's x W^T). */
  transB: boolean;
}

const square = (n: number, transB = false): Case => ({
  label: `${n}${transB ? ' (A @ B^T)' : ''}`,
  batch: 1,
  m: n,
  k: n,
  n,
  transB,
});

function repsFor(flops: number): { warmup: number; reps: number; budgetMs: number } {
  if (flops < 1e8) return { warmup: 3, reps: 15, budgetMs: 2000 };
  return { warmup: 1, reps: flops < 1e9 ? 9 : 5, budgetMs: 12000 };
}

/** The fractions of peak of a webgrad row: 1 thread of the per-core peak, 2 threads of the two-core one. */
function ofPeak(peak: PeakFigure, one: number, two: number): Row {
  return { 'webgrad 1T / per-core peak': one / peak.oneCore, 'webgrad 2T / two-core peak': two / peak.twoCores };
}

async function measure(c: Case, peak: PeakFigure): Promise<Row> {
  const { batch, m, k, n, transB } = c;
  const flops = 2 * batch * m * n * k;
  const aShape = [batch, m, k];
  const bShape = transB ? [batch, n, k] : [batch, k, n];
  const a = randn(aShape, { seed: 1 });
  const bStored = randn(bShape, { seed: 2 });
  const b: Tensor = transB ? bStored.transpose(0, 2, 1) : bStored;
  const reps = repsFor(flops);
  const oursOn = (threads: number) => () => {
    setCpuThreads(threads);
    const y = a.matmul(b);
    y.dataSync();
    y.dispose();
  };
  const tf = await loadTf();
  await useTfBackend('cpu');
  const [ta, tb] = [
    tf.tensor3d(a.dataSync() as Float32Array, aShape as [number, number, number]),
    tf.tensor3d(bStored.dataSync() as Float32Array, bShape as [number, number, number]),
  ];
  const tfCpu = async () => {
    const y = tf.matMul(ta, tb, false, transB);
    await y.data();
    y.dispose();
  };
  const jax = await loadJax();
  let jaxJit: (() => Promise<void>) | undefined;
  if (jax) {
    const ja = jax.numpy.array(a.dataSync() as Float32Array).reshape(aShape);
    const jb = jax.numpy.array(bStored.dataSync() as Float32Array).reshape(bShape);
    const f = jax.jit((x: typeof ja, y: typeof ja) => jax.numpy.matmul(x, transB ? y.transpose([0, 2, 1]) : y));
    jaxJit = async () => {
      await f(ja.ref, jb.ref).data();
    };
  }
  // tfjs-cpu runs at well under 1 GFLOP/s: past ~4 GFLOP (N = 2048) one call takes about a minute.
  const slowPeer = flops > 4e9 ? undefined : tfCpu;
  const t = await compareTimes({ webgrad1: oursOn(1), webgrad2: oursOn(2), tfjsCpu: slowPeer, jaxJit }, reps);
  tf.dispose([ta, tb]);
  let wasmMs: number | undefined;
  if (await useTfBackend('wasm')) {
    const [wa, wb] = [
      tf.tensor3d(a.dataSync() as Float32Array, aShape as [number, number, number]),
      tf.tensor3d(bStored.dataSync() as Float32Array, bShape as [number, number, number]),
    ];
    const w = await timeit(async () => {
      const y = tf.matMul(wa, wb, false, transB);
      await y.data();
      y.dispose();
    }, reps);
    wasmMs = w.median;
    tf.dispose([wa, wb]);
    await useTfBackend('cpu');
  }
  a.dispose();
  bStored.dispose();
  const oneMs = t.webgrad1?.median ?? Number.NaN;
  const ourMs = t.webgrad2?.median ?? Number.NaN;
  const cpuMs = t.tfjsCpu?.median ?? Number.NaN;
  const jaxMs = t.jaxJit?.median ?? Number.NaN;
  const [oneGflops, twoGflops] = [gflops(flops, oneMs), gflops(flops, ourMs)];
  return {
    case: c.label,
    'webgrad 2T ms': ourMs,
    'webgrad 1T GFLOP/s': oneGflops,
    'webgrad 2T GFLOP/s': twoGflops,
    ...ofPeak(peak, oneGflops, twoGflops),
    'tfjs-cpu GFLOP/s': gflops(flops, cpuMs),
    'tfjs-wasm GFLOP/s': wasmMs === undefined ? undefined : gflops(flops, wasmMs),
    'webgrad 2T / tfjs-cpu': cpuMs / ourMs,
    'webgrad 1T / tfjs-wasm': wasmMs === undefined ? undefined : wasmMs / oneMs,
    'webgrad 2T / tfjs-wasm': wasmMs === undefined ? undefined : wasmMs / ourMs,
    'jax-js jit GFLOP/s': gflops(flops, jaxMs),
    'webgrad 2T / jax-js jit': jaxMs / ourMs,
  };
}

/** webgrad's float64 product of [N,N] @ [N,N] on 1 and 2 threads (interleaved). */
async function measure64(n: number, peak: PeakFigure): Promise<Row> {
  const flops = 2 * n * n * n;
  const a = randn([n, n], { seed: 1, dtype: 'float64' });
  const b = randn([n, n], { seed: 2, dtype: 'float64' });
  const on = (threads: number) => () => {
    setCpuThreads(threads);
    const y = a.matmul(b);
    y.dataSync();
    y.dispose();
  };
  const t = await compareTimes({ one: on(1), two: on(2) }, repsFor(flops));
  a.dispose();
  b.dispose();
  const [one, two] = [gflops(flops, t.one?.median ?? Number.NaN), gflops(flops, t.two?.median ?? Number.NaN)];
  return { case: `${n} (float64)`, 'webgrad 1T GFLOP/s': one, 'webgrad 2T GFLOP/s': two, ...ofPeak(peak, one, two) };
}

export async function main(args: string[]): Promise<void> {
  const sizes = args.length > 0 ? args.map(Number) : [256, 512, 1024];
  const cases: Case[] = sizes.map((n) => square(n));
  cases.push(square(Math.max(...sizes), true));
  // Shapes from small-model training: many small batched products, and matrix-vector.
  cases.push({ label: '64 x [64,64]@[64,64]', batch: 64, m: 64, k: 64, n: 64, transB: false });
  cases.push({ label: '[1024,1024]@[1024,1]', batch: 1, m: 1024, k: 1024, n: 1, transB: false });
  cases.push({ label: '[1,1024]@[1024,1024]', batch: 1, m: 1, k: 1024, n: 1024, transB: false });
  // Peaks first, before webgrad's worker threads exist (they sleep when idle, but start-up is busy).
  const peaks = await measurePeaks(SHORT, ['stream']);
  const [peak32, peak64] = [peakOf(peaks, 'f32'), peakOf(peaks, 'f64')];
  randn([1]).dispose(); // the CPU backend's heap, so its worker threads can start
  setCpuThreads(2);
  await cpuThreadsReady();
  const rows: Row[] = [];
  for (const c of cases) {
    rows.push(await measure(c, peak32));
    console.log(`done ${c.label}`);
  }
  const rows64: Row[] = [];
  for (const n of sizes) rows64.push(await measure64(n, peak64));
  const peakLine = (name: string, p: PeakFigure) =>
    `${name} peak (independent SIMD128 mul+add stream, no FMA; best of ${SHORT.rounds} runs): ` +
    `per-core ${p.oneCore.toFixed(1)} GFLOP/s, two-core ${p.twoCores.toFixed(1)} GFLOP/s`;
  const fractions =
    "'webgrad 1T / per-core peak' divides the 1-thread GFLOP/s by the per-core peak, " +
    "'webgrad 2T / two-core peak' the 2-thread GFLOP/s by the two-core peak (both cores at once), " +
    'each in the precision of its table, measured in this run before the products (`pnpm bench peak` for the full probe).';
  const note =
    'float32 matmul incl. readback (N = [N,N] @ [N,N]); median ms; ratios > 1 mean webgrad is faster. ' +
    `webgrad (${getCpuKernels()} kernels, 1T / 2T = 1 / 2 threads), tfjs-cpu and jax-js (jit) interleaved in one run; ` +
    `tfjs-wasm timed in its own pass. ${peakLine('float32', peak32)}. ${fractions}`;
  const note64 = `float64 (webgrad only). ${peakLine('float64', peak64)}.`;
  printTable(rows, note);
  printTable(rows64, note64);
  const md = `${note}\n\n${markdownTable(rows)}\n\n${note64}\n\n${markdownTable(rows64)}`;
  const path = writeResult('matmul-cpu', md, 'matmul, CPU (float32, float64)');
  console.log(`\nwrote ${path}`);
}
