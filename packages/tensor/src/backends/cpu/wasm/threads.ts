/**
 * A small pool of workers that run shares of big wasm kernels on the heap's shared memory.
 * Each worker owns a control slot in the heap (Int32 words: SEQ, DONE, FN, ARGS...). To hand
 * out a share the caller writes FN and ARGS, bumps SEQ and notifies; the worker runs the kernel,
 * stores SEQ into DONE and notifies back. Both sides spin briefly on the word before sleeping in
 * Atomics.wait: a sleeping handshake costs ~60-90 µs per call on our machines, a brief spin
 * ~3 µs, so the caller always runs a share itself and the worker spins a little before waiting.
 *
 * Workers are started from source text through the platform seam (worker_threads with eval in
 * Node, a Blob URL in a browser), get the kernel module's bytes by postMessage, never keep the
 * process alive, and start asynchronously: until they report ready, kernels run on one thread.
 */
import { platform } from '#platform';
import { fail } from '../../../errors.js';
import type { WorkerHandle } from '../../../platform/types.js';
import type { WasmHeap } from './heap.js';
import type { KernelName, MatmulShare, ShareRunner } from './matmul.js';

const [SEQ, DONE, FN, ARGS] = [0, 1, 2, 3];
/** Words per slot (64 bytes apart at least, so two workers never share a cache line). */
const SLOT_WORDS = 32;
const FUNCTIONS: readonly KernelName[] = ['matmul_f32', 'matmul_f64'];
/** Atomics.load polls by the caller before it sleeps waiting for a share (tens of µs). */
const SPINS = 20_000;
/**
 * Polls by an idle worker before it sleeps (tens of µs, as the caller). Longer spins (~1 ms)
 * catch more of a training step's matmuls awake, but on a busy 2-core machine the spinning
 * worker took the CPU from the calling thread: an MLP step went from 27 to 180 ms.
 */
const WORKER_SPINS = 20_000;

/** The worker's whole program (browser-style: self.onmessage, postMessage). */
const WORKER_SOURCE = `
const FUNCTIONS = ${JSON.stringify(FUNCTIONS)};
self.onmessage = (e) => {
  const { memory, bytes, slot } = e.data;
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
  const ctl = new Int32Array(memory.buffer, slot, ${SLOT_WORDS});
  postMessage('ready');
  let seen = 0;
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctl, ${SEQ}) === seen) {
      if (++spins > ${WORKER_SPINS}) Atomics.wait(ctl, ${SEQ}, seen);
    }
    seen = Atomics.load(ctl, ${SEQ});
    try {
      const fn = exports[FUNCTIONS[ctl[${FN}]]];
      fn(...Array.from(ctl.subarray(${ARGS}, ${ARGS} + 16)));
      ctl[${FN}] = 0;
    } catch (err) {
      ctl[${FN}] = -1; // reported by the caller
    }
    Atomics.store(ctl, ${DONE}, seen);
    Atomics.notify(ctl, ${DONE});
  }
};
`;

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
let canWait: boolean | undefined;

function waitFor(ctl: Int32Array, index: number, value: number): void {
  let spins = 0;
  while (Atomics.load(ctl, index) !== value) {
    if (++spins < SPINS) continue;
    if (canWait === undefined) {
      try {
        Atomics.wait(ctl, index, Atomics.load(ctl, index), 0);
        canWait = true;
      } catch {
        canWait = false;
      }
    }
    if (canWait) Atomics.wait(ctl, index, Atomics.load(ctl, index), 10);
  }
}

interface Worker {
  ctl: Int32Array;
  ready: boolean;
  seq: number;
}

export class WorkerPool implements ShareRunner {
  private readonly workers: Worker[] = [];
  private readyPromises: Promise<void>[] = [];
  private broken: Error | undefined;
  /** Shares run by workers so far (tests check that splitting happened). */
  sharesRun = 0;

  constructor(
    private readonly heap: WasmHeap,
    private readonly moduleBytes: () => Uint8Array,
  ) {}

  /** Ready workers plus the calling thread. */
  get threads(): number {
    let n = 1;
    for (const w of this.workers) if (w.ready) n++;
    return this.broken ? 1 : n;
  }

  /** Starts workers until there are `count` (they become usable once ready). */
  ensure(count: number): void {
    while (this.workers.length < count && !this.broken) this.start();
  }

  /** Resolves when every started worker is ready (or the pool gave up on threads). */
  ready(): Promise<void> {
    return Promise.all(this.readyPromises).then(() => undefined);
  }

  private start(): void {
    const slot = this.heap.allocBytes(SLOT_WORDS * 4);
    if (slot === undefined) return;
    const worker: Worker = { ctl: new Int32Array(this.heap.memory.buffer, slot, SLOT_WORDS), ready: false, seq: 0 };
    this.workers.push(worker);
    const handle = platform.startWorker(WORKER_SOURCE) as WorkerHandle & { keepAlive?: (alive: boolean) => void };
    const keepAlive = handle.keepAlive;
    if (typeof keepAlive !== 'function') {
      // A worker we cannot unreference would keep every Node process alive: stay on one thread.
      handle.terminate();
      this.broken = new Error('platform.startWorker gives no keepAlive');
      return;
    }
    this.readyPromises.push(
      new Promise<void>((resolve) => {
        handle.onMessage(() => {
          worker.ready = true;
          keepAlive(false); // idle workers must never keep the process alive
          resolve();
        });
        handle.onError((e) => {
          this.broken = e; // a pool that lost a worker falls back to one thread
          keepAlive(false);
          resolve();
        });
      }),
    );
    keepAlive(true); // until it reports ready (someone may be awaiting ready())
    handle.postMessage({ memory: this.heap.memory, bytes: this.moduleBytes(), slot });
  }

  run(fn: KernelName, args: number[], shares: MatmulShare[], works: number[], runHere: (share: number) => void): void {
    // Share 0, and any share no ready worker takes, run on the calling thread.
    const used = this.workers.filter((w) => w.ready).slice(0, shares.length - 1);
    used.forEach((w, k) => {
      const i = k + 1;
      const s = shares[i] as MatmulShare;
      w.ctl.set(args, ARGS);
      w.ctl[ARGS + 4] = s.b0;
      w.ctl[ARGS + 5] = s.b1;
      w.ctl[ARGS + 6] = s.r0;
      w.ctl[ARGS + 7] = s.r1;
      w.ctl[ARGS + 15] = works[i] as number;
      w.ctl[FN] = FUNCTIONS.indexOf(fn);
      w.seq = (w.seq + 1) | 0 || 1;
      Atomics.store(w.ctl, SEQ, w.seq);
      Atomics.notify(w.ctl, SEQ);
    });
    this.sharesRun += used.length;
    try {
      runHere(0);
      for (let i = used.length + 1; i < shares.length; i++) runHere(i);
    } finally {
      for (const w of used) waitFor(w.ctl, DONE, w.seq);
    }
    if (used.some((w) => w.ctl[FN] === -1)) fail('backend', fn, 'a worker thread failed while running its share');
  }
}
