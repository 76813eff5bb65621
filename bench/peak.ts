/**
 * What the hardware allows a WebAssembly SIMD128 kernel here: the peak GFLOP/s of an
 * independent f32x4 / f64x2 multiply + add stream on one core and on two at once (no FMA: Node
 * 20 has no relaxed SIMD), and the matmul's 5 x 8 micro-kernel loop over packed panels resident
 * in L1 (the matmul's in-cache ceiling). Programs in lib/peak-kernels.ts, emitted with
 * @webgrad/tensor/wasm; timing in lib/peak-probe.ts (best of many short runs). bench/matmul.ts
 * measures the same peaks (a shorter version) and reports its rows as fractions of them.
 *
 * Measured on our 2-core Zen 3 EPYC VM (Node 20): 39.2 GFLOP/s f32 and 19.5 f64 per core, 78.5
 * and 39.2 on two; that is 4.0 vector operations per cycle at the 2445 MHz the VM reports, both
 * multiply and both add pipes of a Zen 3 core busy every cycle: without FMA nothing goes faster.
 * The micro-kernel in L1 ran at the same rate (1.00x f32, 1.04x f64).
 *
 * usage: node bench/dist/run.js peak
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { FULL, measurePeaks, type PeakFigure, peakOf } from './lib/peak-probe.js';
import { writeJson, writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';

/**
 * One row per precision: the stream's peaks, as vector operations per cycle at the clock the OS
 * reports (`mhz`; a VM reports its nominal clock, so this is indicative), and the micro-kernel's
 * rates and share of the peak.
 */
export function peakRows(peaks: readonly PeakFigure[], mhz: number): Row[] {
  return (['f32', 'f64'] as const).map((precision) => {
    const stream = peakOf(peaks, precision, 'stream');
    const kernel = peaks.find((f) => f.precision === precision && f.kind === 'kernel');
    return {
      precision,
      'per-core peak GFLOP/s': stream.oneCore,
      'two-core peak GFLOP/s': stream.twoCores,
      'two-core / per-core': stream.twoCores / stream.oneCore,
      [`vector ops / cycle at ${mhz} MHz`]:
        mhz > 0 ? (stream.oneCore * 1e3) / (mhz * (precision === 'f32' ? 4 : 2)) : undefined,
      'micro-kernel in L1, 1 core': kernel?.oneCore,
      'micro-kernel in L1, 2 cores': kernel?.twoCores,
      'micro-kernel 1 core / per-core peak': kernel === undefined ? undefined : kernel.oneCore / stream.oneCore,
      'micro-kernel 2 cores / two-core peak': kernel === undefined ? undefined : kernel.twoCores / stream.twoCores,
    };
  });
}

/** The clock the OS reports in MHz: os.cpus(), else Linux's /proc/cpuinfo (a VM's is nominal); 0 if none. */
function reportedMhz(): number {
  const speed = cpus()[0]?.speed ?? 0;
  if (speed > 0 || !existsSync('/proc/cpuinfo')) return speed;
  const line = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
  return line ? Math.round(Number(line[1])) : 0;
}

export async function main(): Promise<void> {
  const peaks = await measurePeaks(FULL);
  const cpu = cpus();
  const mhz = reportedMhz();
  const rows = peakRows(peaks, mhz);
  const machine = {
    cpu: cpu[0]?.model ?? 'unknown CPU',
    cores: cpu.length,
    mhz,
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
