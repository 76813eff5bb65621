/**
 * The garbage-collection net under tensors nobody disposed: what makes a PyTorch-style loop
 * (no `tidy`, no `dispose`) run in flat memory.
 *
 * A tensor made outside any `tidy` is registered with a FinalizationRegistry, which releases its
 * storage once the garbage collector has found the tensor unreachable. Left alone, that does not
 * happen in a training loop, for two reasons (measured: a 2-layer MLP with Adam on the CPU kept
 * 48 dead tensors per step, 480,000 after 10,000 steps):
 * - the collector does not see what a tensor holds (GPU buffers, pooled typed arrays), so from
 *   its point of view there is no pressure and major collections are rare; minor ones do not
 *   free registered objects;
 * - finalizer callbacks run only in a macrotask, and a loop whose only await is a CPU readback
 *   (a promise that is already resolved) never yields one.
 *
 * So: tensors handed to the net are counted; every CHECK_EVERY of them (or CHECK_BYTES of their
 * storage) we compare the live totals with what survived the last collection. Past twice that
 * plus a floor, the platform is asked for a full collection (amortised: the spacing doubles with
 * what survives), and the next async readback (`data`, `array`, `item`) waits one macrotask so
 * the callbacks run. If what survives keeps growing anyway (tensors still referenced, or a loop
 * that never awaits), one warning names `tidy` and `dispose`.
 */
import { platform } from '#platform';
import { liveTotals, type Storage } from './memory.js';

const CHECK_EVERY = 1024;
const CHECK_BYTES = 64 * 2 ** 20;
/** Garbage allowed on top of twice the survivors before a collection is forced. */
const FLOOR_TENSORS = 10_000;
const FLOOR_BYTES = 128 * 2 ** 20;
/**
 * A collection forced while this many tensors survived the previous one means the survivors
 * doubled past it: tensors are piling up that the collector cannot free. That gets the warning.
 */
const WARN_TENSORS = 40_000;

let sinceCheck = 0;
let bytesSinceCheck = 0;
/** Live totals right after the last collection (its callbacks run, when a readback let them). */
let survivors = { tensors: 0, bytes: 0 };
let warned = false;
let callbacksPending = false;

/** Statistics for tests and the curious: forced collections so far, and the time they took. */
export const netStats = { collections: 0, milliseconds: 0 };

// A tensor collected without dispose() still releases its storage. The storage is the held
// value (the registry keeps it, not the tensor, alive), so registering allocates nothing.
const finalizer = new FinalizationRegistry<Storage>((storage) => {
  storage.stats.tensors--;
  storage.release();
});

/** A tensor as the net's queue sees it (Tensor implements it). */
export interface NetMember {
  /** Registers itself with the finalizer (`guard`) unless it was disposed while queued. */
  registerWithNet(): void;
}

/**
 * Tensors handed to the net wait here before they are registered with the finalizer. Most are
 * disposed a few ops later, and one disposed while it waits never pays for a register and an
 * unregister (about 0.4 us the pair in Node 20, a fifth of a tiny op's cost). The queue is
 * flushed every QUEUE_MAX tensors, at the end of the current job (a microtask) and before a
 * forced collection, so a dropped tensor waits at most that long before the collector can see it
 * (its finalizer runs in a later macrotask anyway).
 */
const queue: NetMember[] = [];
const QUEUE_MAX = 256;
let flushScheduled = false;

/** @internal Called by a tensor that no tidy scope holds (it holds `bytes` of storage). */
export function handToNet(t: NetMember, bytes: number): void {
  queue.push(t);
  if (queue.length >= QUEUE_MAX) flushNetQueue();
  else if (!flushScheduled) {
    flushScheduled = true;
    queueMicrotask(() => {
      flushScheduled = false;
      flushNetQueue();
    });
  }
  noteUnscoped(bytes);
}

/** Registers every queued tensor that is still alive with the finalizer. */
export function flushNetQueue(): void {
  for (const t of queue) t.registerWithNet();
  queue.length = 0;
}

/** @internal `storage` is released when `t` is collected undisposed (until `unguard(t)`). */
export function guard(t: object, storage: Storage): void {
  finalizer.register(t, storage, t);
}

/** @internal Undoes `guard` (dispose, or assign before guarding the new storage). */
export function unguard(t: object): void {
  finalizer.unregister(t);
}

/** Counts what the net holds; every CHECK_EVERY tensors (or CHECK_BYTES) it checks for growth. */
function noteUnscoped(bytes: number): void {
  bytesSinceCheck += bytes;
  if (++sinceCheck < CHECK_EVERY && bytesSinceCheck < CHECK_BYTES) return;
  sinceCheck = 0;
  bytesSinceCheck = 0;
  checkGrowth();
}

function checkGrowth(): void {
  const now = liveTotals();
  if (now.tensors <= 2 * survivors.tensors + FLOOR_TENSORS && now.bytes <= 2 * survivors.bytes + FLOOR_BYTES) return;
  if (survivors.tensors >= WARN_TENSORS) warnOnce(now.tensors);
  flushNetQueue(); // queued tensors are invisible to the finalizer until registered
  const t0 = performance.now();
  if (platform.collectGarbage()) {
    netStats.collections++;
    netStats.milliseconds += performance.now() - t0;
  }
  callbacksPending = true;
  // Provisional: until a readback lets the callbacks run, nothing has been freed yet.
  survivors = now;
}

function warnOnce(live: number): void {
  if (warned) return;
  warned = true;
  console.warn(
    `webgrad: live tensors keep growing (${live} now) although the garbage collector was asked to free unreachable ones. ` +
      'Something still references them, or the loop never awaits (finalizers run between tasks). ' +
      'dispose() tensors you are done with, or wrap each step in tidy(() => ...); await a readback such as loss.item() now and then. ' +
      '(This warning is printed once.)',
  );
}

/** Whether an async readback should yield so that the net's finalizer callbacks can run. */
export function netNeedsTurn(): boolean {
  return callbacksPending;
}

/** @internal Awaited by async readbacks after a forced collection: one macrotask, then recount. */
export async function giveNetATurn(): Promise<void> {
  callbacksPending = false;
  await platform.nextTask();
  survivors = liveTotals();
}
