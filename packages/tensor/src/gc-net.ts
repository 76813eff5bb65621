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
import { liveTotals } from './memory.js';

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

/** @internal Called by a tensor when it is handed to the finalizer (no tidy scope holds it). */
export function noteUnscoped(bytes: number): void {
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
