/**
 * A worker of the two-core peak probe (lib/peak-probe.ts). It instantiates the probe program
 * from workerData, warms it up, says 'ready', then per round: sleeps until the shared GO word
 * changes, runs `run(count)` once, writes its elapsed milliseconds to its TIMES slot and counts
 * itself into DONE. GO = -1 ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DONE, GO, instantiateProbe, TIMES_AT } from './peak-wasm.js';

interface PeakWorkerData {
  bytes: Uint8Array;
  count: number;
  warmup: number;
  index: number;
  control: SharedArrayBuffer;
}

if (parentPort) {
  const { bytes, count, warmup, index, control } = workerData as PeakWorkerData;
  const ctl = new Int32Array(control, 0, 2);
  const times = new Float64Array(control, TIMES_AT);
  const p = instantiateProbe(bytes);
  p.setup();
  for (let i = 0; i < warmup; i++) p.run(count);
  parentPort.postMessage('ready');
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, GO, seen);
    seen = Atomics.load(ctl, GO);
    if (seen < 0) break;
    const t0 = performance.now();
    p.run(count);
    times[index] = performance.now() - t0;
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
  parentPort.close();
}
