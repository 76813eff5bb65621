/**
 * A small pool of workers that help run big matmuls on the heap's shared memory, by dynamic
 * hand-out: a job is cut into chunks (batch items, or panels of B to pack and then row blocks
 * of C), and every thread taking part, the calling thread included, claims the next chunk with
 * Atomics.add until none is left. A worker that is asleep or busy elsewhere simply takes fewer
 * chunks (often none), so the caller never waits for a worker to wake up, and a core slowed
 * by another process does not hold the product back. Chunks compute the same elements the
 * same way whoever runs them, so results do not depend on the split.
 *
 * One control block (Int32 words, LAYOUT) is shared by all workers:
 * - the caller writes the job's descriptor, resets the counters, then publishes JOB = id;
 * - a worker joins by incrementing ACTIVE and re-reading JOB (if the job closed meanwhile it
 *   leaves without touching the descriptor), runs `runJob`, and decrements ACTIVE;
 * - the caller runs `runJob` itself, waits until DONE counts every chunk, closes the job
 *   (JOB = 0) and waits for ACTIVE = 0 before the descriptor may be rewritten.
 * (Both sides write their own word, then read the other's, with sequentially consistent
 * atomics: Dekker's pattern.) Idle workers spin briefly, then sleep in Atomics.wait on JOB;
 * the caller notifies only when SLEEPERS says someone sleeps.
 *
 * Workers are started from source text through the platform seam (worker_threads with eval in
 * Node, a Blob URL in a browser), get the compiled kernel module by postMessage (so they share
 * its optimised code), never keep the process alive, and start asynchronously: until they
 * report ready, kernels run on one thread.
 */
import { platform } from '#platform';
import { fail } from '../../../errors.js';
import type { WorkerHandle } from '../../../platform/types.js';
import type { WasmHeap } from './heap.js';

/** Word indices of the control block; counters on their own 64-byte lines. */
export const LAYOUT = {
  JOB: 0,
  ACTIVE: 16,
  SLEEPERS: 32,
  PNEXT: 48,
  PDONE: 64,
  NEXT: 80,
  DONE: 96,
  ERR: 112,
  /** The job descriptor (JobField offsets from here). */
  DESC: 128,
  WORDS: 160,
} as const;

/** Offsets in the descriptor. */
export const FIELD = {
  kind: 0, // 1: batch items, 2: packed B shared, then row blocks
  dtype: 1, // 0: f32, 1: f64
  chunks: 2, // chunks of the compute phase
  grain: 3, // batch items or rows per chunk
  colGrain: 21, // columns per chunk (kind 2; a multiple of NR): chunk c is row block c % rowChunks
  rowChunks: 22, // of column block floor(c / rowChunks)
  packChunks: 4,
  packGrain: 5, // panels of B per pack chunk
  panels: 6,
  workBase: 7, // per-thread scratch: workBase + thread * workStride
  workStride: 8,
  A: 9,
  B: 10,
  C: 11,
  X: 12, // batch offsets (kind 1) or the shared packed B (kind 2)
  M: 13,
  N: 14,
  K: 15,
  aRs: 16,
  aCs: 17,
  bRs: 18,
  bCs: 19,
  batches: 20,
} as const;

export const JOB_BATCHES = 1;
export const JOB_ROWS = 2;

type Kernel = (...args: number[]) => void;

/**
 * Claims and runs chunks of the open job until none is left, and returns how many it ran; run
 * by the caller and by every worker that joins. Self-contained (it is sent to workers as source
 * text): everything it needs comes in its arguments.
 */
export function runJob(
  ex: Record<string, Kernel>,
  ctl: Int32Array,
  thread: number,
  L: typeof LAYOUT,
  F: typeof FIELD,
): number {
  const d = (f: number) => ctl[L.DESC + f] as number;
  const t = d(F.dtype) === 0 ? 'f32' : 'f64';
  const work = d(F.workBase) + thread * d(F.workStride);
  const [A, B, C, X, M, N, K] = [d(F.A), d(F.B), d(F.C), d(F.X), d(F.M), d(F.N), d(F.K)];
  const [aRs, aCs, bRs, bCs] = [d(F.aRs), d(F.aCs), d(F.bRs), d(F.bCs)];
  const [chunks, grain] = [d(F.chunks), d(F.grain)];
  let ran = 0;
  if (d(F.kind) === 1) {
    const matmul = ex[`matmul_${t}`] as Kernel;
    const batches = d(F.batches);
    for (let c = Atomics.add(ctl, L.NEXT, 1); c < chunks; c = Atomics.add(ctl, L.NEXT, 1)) {
      const b1 = Math.min(batches, (c + 1) * grain);
      matmul(A, B, C, X, c * grain, b1, M, N, K, aRs, aCs, bRs, bCs, work);
      Atomics.add(ctl, L.DONE, 1);
      Atomics.notify(ctl, L.DONE); // the caller may be napping in waitUntil
      ran++;
    }
    return ran;
  }
  const [packChunks, packGrain, panels] = [d(F.packChunks), d(F.packGrain), d(F.panels)];
  const packb = ex[`packb_${t}`] as Kernel;
  for (let c = Atomics.add(ctl, L.PNEXT, 1); c < packChunks; c = Atomics.add(ctl, L.PNEXT, 1)) {
    packb(B, N, K, bRs, bCs, X, c * packGrain, Math.min(panels, (c + 1) * packGrain));
    Atomics.add(ctl, L.PDONE, 1);
  }
  // Every row block reads all of B: wait for the packers (they are running, not asleep).
  while (Atomics.load(ctl, L.PDONE) < packChunks && Atomics.load(ctl, L.ERR) === 0) {}
  const rows = ex[`rows_${t}`] as Kernel;
  const [colGrain, rowChunks] = [d(F.colGrain), d(F.rowChunks)];
  for (let c = Atomics.add(ctl, L.NEXT, 1); c < chunks; c = Atomics.add(ctl, L.NEXT, 1)) {
    const [r, j] = [c % rowChunks, Math.floor(c / rowChunks)];
    const [r1, j1] = [Math.min(M, (r + 1) * grain), Math.min(N, (j + 1) * colGrain)];
    rows(A, C, X, r * grain, r1, j * colGrain, j1, N, K, aRs, aCs, work);
    Atomics.add(ctl, L.DONE, 1);
    Atomics.notify(ctl, L.DONE); // the caller may be napping in waitUntil
    ran++;
  }
  return ran;
}

/**
 * Polls by an idle worker before it sleeps (tens of µs). Longer spins (~1 ms) catch more of a
 * training step's matmuls awake, but on a busy 2-core machine the spinning worker took the CPU
 * from the calling thread: an MLP step went from 27 to 180 ms.
 */
const WORKER_SPINS = 20_000;

/** The worker's whole program (browser-style: self.onmessage, postMessage). */
const WORKER_SOURCE = `
const L = ${JSON.stringify(LAYOUT)};
const F = ${JSON.stringify(FIELD)};
const runJob = ${runJob.toString()};
self.onmessage = (e) => {
  const { memory, module, control, thread } = e.data;
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const ctl = new Int32Array(memory.buffer, control, L.WORDS);
  postMessage('ready');
  let last = 0;
  for (;;) {
    let spins = 0;
    let job = Atomics.load(ctl, L.JOB);
    while (job === 0 || job === last) {
      if (++spins > ${WORKER_SPINS}) {
        Atomics.add(ctl, L.SLEEPERS, 1);
        Atomics.wait(ctl, L.JOB, job);
        Atomics.sub(ctl, L.SLEEPERS, 1);
        spins = 0;
      }
      job = Atomics.load(ctl, L.JOB);
    }
    last = job;
    Atomics.add(ctl, L.ACTIVE, 1);
    if (Atomics.load(ctl, L.JOB) === job) {
      try {
        runJob(ex, ctl, thread, L, F);
      } catch (err) {
        Atomics.store(ctl, L.ERR, 1); // reported by the caller
      }
    }
    Atomics.sub(ctl, L.ACTIVE, 1);
    Atomics.notify(ctl, L.ACTIVE);
  }
};
`;

/** Caller-side polls of a counter before it naps for 1 ms (where this thread may block). */
const SPINS = 20_000;
/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
let canWait: boolean | undefined;

/**
 * Spins (then naps, where allowed) until `done()` holds. Workers notify the word after each
 * change, so a nap ends as soon as the awaited chunk is done (without that, a chunk outlasting
 * the spin cost the caller the whole 1 ms timeout: products of a few million multiply-adds ran
 * slower on two threads than on one).
 */
function waitUntil(ctl: Int32Array, index: number, done: () => boolean): void {
  let spins = 0;
  while (!done()) {
    if (++spins < SPINS) continue;
    if (canWait === undefined) {
      try {
        Atomics.wait(ctl, index, Atomics.load(ctl, index), 0);
        canWait = true;
      } catch {
        canWait = false;
      }
    }
    if (canWait) Atomics.wait(ctl, index, Atomics.load(ctl, index), 1);
  }
}

/** A job to hand out: the descriptor fields and the scratch layout. */
export type JobDescriptor = { -readonly [K in keyof typeof FIELD]: number };

export class WorkerPool {
  private readonly ctl: Int32Array;
  private readonly handles: WorkerHandle[] = [];
  private readonly readyPromises: Promise<void>[] = [];
  private readyCount = 0;
  private jobId = 0;
  private broken: Error | undefined;
  /** Chunks of jobs that worker threads ran so far (tests check that they took part). */
  workerChunks = 0;

  constructor(
    private readonly heap: WasmHeap,
    private readonly module: () => WebAssembly.Module,
  ) {
    const control = heap.allocBytes(LAYOUT.WORDS * 4);
    if (control === undefined) fail('backend', 'threads', 'no heap space for the thread control block');
    this.ctl = new Int32Array(heap.memory.buffer, control, LAYOUT.WORDS);
  }

  /** Ready workers plus the calling thread. */
  get threads(): number {
    return this.broken ? 1 : 1 + this.readyCount;
  }

  /** Starts workers until there are `count` (they become usable once ready). */
  ensure(count: number): void {
    while (this.handles.length < count && !this.broken) this.start();
  }

  /** Resolves when every started worker is ready (or the pool gave up on threads). */
  ready(): Promise<void> {
    return Promise.all(this.readyPromises).then(() => undefined);
  }

  private start(): void {
    const thread = this.handles.length + 1; // thread 0 is the caller
    const handle = platform.startWorker(WORKER_SOURCE);
    this.handles.push(handle);
    if (typeof handle.keepAlive !== 'function') {
      // A worker we cannot unreference would keep every Node process alive: stay on one thread.
      handle.terminate();
      this.broken = new Error('platform.startWorker gives no keepAlive');
      return;
    }
    this.readyPromises.push(
      new Promise<void>((resolve) => {
        handle.onMessage(() => {
          this.readyCount++;
          handle.keepAlive(false); // idle workers must never keep the process alive
          resolve();
        });
        handle.onError((e) => {
          this.broken = e; // a pool that lost a worker falls back to one thread
          handle.keepAlive(false);
          resolve();
        });
      }),
    );
    handle.keepAlive(true); // until it reports ready (someone may be awaiting ready())
    const control = this.ctl.byteOffset;
    handle.postMessage({ memory: this.heap.memory, module: this.module(), control, thread });
  }

  /**
   * Runs a job with every worker that is free to join; returns when all its chunks are done.
   * `exports` are the calling thread's kernels.
   */
  run(exports: Record<string, Kernel>, job: JobDescriptor): void {
    const { ctl } = this;
    for (const [name, offset] of Object.entries(FIELD)) ctl[LAYOUT.DESC + offset] = job[name as keyof typeof FIELD];
    for (const w of [LAYOUT.PNEXT, LAYOUT.PDONE, LAYOUT.NEXT, LAYOUT.DONE, LAYOUT.ERR]) ctl[w] = 0;
    this.jobId = (this.jobId + 1) | 0 || 1;
    Atomics.store(ctl, LAYOUT.JOB, this.jobId);
    if (Atomics.load(ctl, LAYOUT.SLEEPERS) > 0) Atomics.notify(ctl, LAYOUT.JOB);
    let failure: unknown;
    try {
      this.workerChunks += job.chunks - runJob(exports, ctl, 0, LAYOUT, FIELD);
    } catch (e) {
      failure = e;
      Atomics.store(ctl, LAYOUT.ERR, 1);
    } finally {
      waitUntil(ctl, LAYOUT.DONE, () => ctl[LAYOUT.DONE] === job.chunks || ctl[LAYOUT.ERR] !== 0);
      Atomics.store(ctl, LAYOUT.JOB, 0);
      waitUntil(ctl, LAYOUT.ACTIVE, () => Atomics.load(ctl, LAYOUT.ACTIVE) === 0);
    }
    if (failure !== undefined) throw failure;
    if (ctl[LAYOUT.ERR] !== 0) fail('backend', 'matmul', 'a worker thread failed while running its share');
  }
}
