/**
 * What the hardware allows a WebAssembly SIMD128 kernel here: the peak GFLOP/s of an
 * independent f32x4 / f64x2 multiply + add stream on one core and on two at once (no FMA: Node
 * 20 has no relaxed SIMD), and the matmul's 5 x 8 micro-kernel loop over packed panels resident
 * in L1 (the matmul's in-cache ceiling). Programs in lib/peak-kernels.ts, emitted with
 * @webgrad/tensor/wasm; timing in lib/peak-probe.ts (best of many short runs). bench/matmul.ts
 * measures the same peaks (a shorter version) and reports its rows as fractions of them.
 *
 * usage: node bench/dist/run.js peak
 */
import { cpus } from 'node:os';
import { FULL, measurePeaks, type PeakFigure, peakOf } from './lib/peak-probe.js';
import { writeJson, writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';

/** One row per precision: the stream's peaks and the micro-kernel's rates, and its share of the peak. */
export function peakRows(peaks: readonly PeakFigure[]): Row[] {
  return (['f32', 'f64'] as const).map((precision) => {
    const stream = peakOf(peaks, precision, 'stream');
    const kernel = peaks.find((f) => f.precision === precision && f.kind === 'kernel');
    return {
      precision,
      'per-core peak GFLOP/s': stream.oneCore,
      'two-core peak GFLOP/s': stream.twoCores,
      'two-core / per-core': stream.twoCores / stream.oneCore,
      'micro-kernel in L1, 1 core': kernel?.oneCore,
      'micro-kernel in L1, 2 cores': kernel?.twoCores,
      'micro-kernel 1 core / per-core peak': kernel === undefined ? undefined : kernel.oneCore / stream.oneCore,
      'micro-kernel 2 cores / two-core peak': kernel === undefined ? undefined : kernel.twoCores / stream.twoCores,
    };
  });
}

export async function main(): Promise<void> {
  const peaks = await measurePeaks(FULL);
  const rows = peakRows(peaks);
  const cpu = cpus();
  const machine = {
    cpu: cpu[0]?.model ?? 'unknown CPU',
    cores: cpu.length,
    node: process.version,
    date: new Date().toISOString(),
  };
  const note =
    `Peak GFLOP/s of WebAssembly SIMD128 here, best of ${FULL.rounds} runs of ~${FULL.runMs} ms. ` +
    'Peak: independent multiply + add chains (acc = acc * x + y, 12 chains of f32x4 or f64x2, no FMA), ' +
    'on one core, and on two cores at once (two workers, rates summed). Micro-kernel: the matmul 5 x 8 ' +
    '(f64: 5 x 4) register block over L1-resident packed panels, K = 256 per call.';
  console.log(`${machine.cores} x ${machine.cpu}, Node ${machine.node}, ${machine.date}`);
  printTable(rows, note);
  const md = `${note}\n\n${markdownTable(rows)}`;
  const path = writeResult('peak', md, 'peak: WebAssembly SIMD128 mul+add stream and matmul micro-kernel');
  const json = writeJson('peak', { ...machine, options: FULL, peaks });
  console.log(`\nwrote ${path} and ${json}`);
}
